package puddlestore

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives retireAll as a function your client calls
//solution:end

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"distlabs/coord"
)

//solution:begin E

// file is an open file: the inode it was opened at (a snapshot: its
// blocks are immutable) and, for a writer, the blocks it changed.
type file struct {
	path    string
	write   bool
	lock    string // the writer's lock node
	version int32  // of the inode at Open: Close swaps only that one

	mu    sync.Mutex
	inode *inode
	size  uint64
	dirty map[uint64][]byte // block index -> full block, changed since Open
}

//solution:end

// Open opens p, creating it first if create is set; for write it takes
// the file's lock first, so that the inode it reads is the last one.
func (c *client) Open(p string, create, write bool) (int, error) {
	//solution:begin E
	if err := c.alive(); err != nil {
		return -1, err
	}
	if err := cleanPath(p); err != nil {
		return -1, err
	}
	if p == "/" {
		return -1, fmt.Errorf("open /: %w", ErrIsDir)
	}
	f := &file{path: p, write: write, dirty: map[uint64][]byte{}}
	if write {
		lock, err := c.lock(p)
		if err != nil {
			return -1, fmt.Errorf("open %s: lock: %w", p, err)
		}
		f.lock = lock
	}
	n, version, err := c.openInode(p, create)
	for err == nil && write && !n.Dir {
		var claimed int32
		if claimed, err = c.claim(p, n, version); err == nil {
			version = claimed
			break
		}
		if errors.Is(err, coord.ErrBadVersion) || errors.Is(err, coord.ErrNoNode) {
			// Removed (and perhaps created again) since openInode.
			// A file this Open created and lost is created again:
			// Open with create promises a file to write.
			n, version, err = c.openInode(p, create)
		}
	}
	if err != nil {
		c.unlockQuietly(f)
		return -1, err
	}
	if n.Dir {
		c.unlockQuietly(f)
		return -1, fmt.Errorf("open %s: %w", p, ErrIsDir)
	}
	f.inode, f.version, f.size = n, version, n.Size
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return -1, ErrExited
	}
	fd := c.nextFD
	c.nextFD++
	c.fds[fd] = f
	return fd, nil
	//solution:stub
	// // Your code here (E).
	// return -1, errors.New("Open: not implemented")
	//solution:end
}

//solution:begin E

// openInode reads p's inode, creating an empty file if it is missing and
// create is set. A file this call creates is returned as created, not
// read back: a Remove may take it in between, and creating it again would
// make one Open create two files, one of them the Remove's (a history
// that is not linearizable: two Removes succeed after one create).
func (c *client) openInode(p string, create bool) (*inode, int32, error) {
	for {
		n, version, err := c.stat(p)
		if err == nil {
			return n, version, nil
		}
		if !errors.Is(err, coord.ErrNoNode) || !create {
			return nil, 0, fsError("open", p, err)
		}
		made, err := c.create(p)
		if err != nil {
			return nil, 0, err
		}
		if made {
			return &inode{}, 0, nil
		}
	}
}

//solution:end

//solution:begin E

// create makes p an empty file if it is missing and reports whether it
// did; another client may create it first, and then Open opens theirs.
func (c *client) create(p string) (bool, error) {
	err := c.makeEntry("open", p, &inode{})
	if errors.Is(err, ErrExists) {
		return false, nil
	}
	return err == nil, err
}

//solution:end

//solution:begin E

// makeEntry creates p holding n, after it checks that p's directory is
// one. Both happen under the lock of the directory's entries, which a
// Remove of the directory takes too: without it, the directory could be
// removed and created again as a file between the check and the Create,
// and the new entry would hang under a file.
func (c *client) makeEntry(op, p string, n *inode) error {
	release, err := c.lockEntries(parent(p))
	if err != nil {
		return fmt.Errorf("%s %s: %w", op, p, err)
	}
	defer release()
	if err := c.checkDir(op, parent(p)); err != nil {
		return err
	}
	data, err := encodeInode(n)
	if err != nil {
		return err
	}
	if _, err := c.conn.Create(fsPath(p), data, 0); err != nil {
		return fsError(op, p, err)
	}
	return nil
}

//solution:end

//solution:begin E

// claim sets the inode of p, read at version, to itself and returns the
// new version, which Close's compare-and-set then names. The version is
// thus at least 1, and that makes the compare-and-set fail if the file
// was removed and created again while the writer had it open (a removal
// takes no lock): the new node starts at version 0, and no one else sets
// it while this writer holds the lock of p. Without it, that Close would
// publish the old file's blocks into the new one, or even turn a
// directory created at p into a file.
func (c *client) claim(p string, n *inode, version int32) (int32, error) {
	data, err := encodeInode(n)
	if err != nil {
		return 0, err
	}
	st, err := c.conn.Set(fsPath(p), data, version)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", p, err)
	}
	return st.Version, nil
}

//solution:end

//solution:begin E

// unlockQuietly releases f's lock, if it holds one, on a path that
// already fails; the session's end would release it anyway.
func (c *client) unlockQuietly(f *file) {
	if f.lock != "" {
		_ = c.unlock(f.lock)
	}
}

//solution:end

//solution:begin E

// get returns the file of fd.
func (c *client) get(fd int) (*file, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return nil, ErrExited
	}
	f, ok := c.fds[fd]
	if !ok {
		return nil, fmt.Errorf("fd %d: %w", fd, ErrBadFD)
	}
	return f, nil
}

//solution:end

// Read returns up to size bytes at offset.
func (c *client) Read(fd int, offset, size uint64) ([]byte, error) {
	//solution:begin E
	f, err := c.get(fd)
	if err != nil {
		return nil, err
	}
	bs := c.cfg.BlockSize
	f.mu.Lock()
	end := min(offset+size, f.size)
	if offset >= end {
		f.mu.Unlock()
		return []byte{}, nil
	}
	first, last := offset/bs, (end-1)/bs
	have := map[uint64][]byte{}
	fetch := map[uint64]string{}
	for k := first; k <= last; k++ {
		if d, ok := f.dirty[k]; ok {
			have[k] = d
		} else if k < uint64(len(f.inode.Blocks)) && f.inode.Blocks[k] != "" {
			fetch[k] = f.inode.Blocks[k]
		}
	}
	f.mu.Unlock()
	// Dirty blocks are copied by value above only as slices: a Write on
	// the same fd replaces a dirty block, never changes one in place.
	got, err := c.fetchBlocks(fetch)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.path, err)
	}
	out := make([]byte, end-offset)
	for k := first; k <= last; k++ {
		b, ok := have[k]
		if !ok {
			b = got[k] // nil for a hole: zeros
		}
		lo := max(offset, k*bs)
		hi := min(end, (k+1)*bs)
		if in := lo - k*bs; in < uint64(len(b)) {
			copy(out[lo-offset:hi-offset], b[in:min(uint64(len(b)), hi-k*bs)])
		}
	}
	return out, nil
	//solution:stub
	// // Your code here (E).
	// return nil, errors.New("Read: not implemented")
	//solution:end
}

// Write writes data at offset into fd's copy of the file.
func (c *client) Write(fd int, offset uint64, data []byte) error {
	//solution:begin E
	f, err := c.get(fd)
	if err != nil {
		return err
	}
	if !f.write {
		return fmt.Errorf("write fd %d: %w", fd, ErrReadOnly)
	}
	if len(data) == 0 {
		return nil
	}
	bs := c.cfg.BlockSize
	end := offset + uint64(len(data))
	first, last := offset/bs, (end-1)/bs
	// A block partly overwritten keeps the rest of its old bytes: fetch
	// those first, without holding f.mu across the calls.
	f.mu.Lock()
	fetch := map[uint64]string{}
	for k := first; k <= last; k++ {
		whole := offset <= k*bs && end >= (k+1)*bs
		if _, ok := f.dirty[k]; !ok && !whole && k < uint64(len(f.inode.Blocks)) && f.inode.Blocks[k] != "" {
			fetch[k] = f.inode.Blocks[k]
		}
	}
	f.mu.Unlock()
	got, err := c.fetchBlocks(fetch)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := first; k <= last; k++ {
		b := make([]byte, bs)
		if d, ok := f.dirty[k]; ok {
			copy(b, d)
		} else {
			copy(b, got[k])
		}
		lo := max(offset, k*bs)
		hi := min(end, (k+1)*bs)
		copy(b[lo-k*bs:hi-k*bs], data[lo-offset:hi-offset])
		f.dirty[k] = b
	}
	f.size = max(f.size, end)
	return nil
	//solution:stub
	// // Your code here (E).
	// return errors.New("Write: not implemented")
	//solution:end
}

// Close frees fd; a writer's changes are published first: its new blocks
// are stored, and then the inode is swapped if it is still the one Open
// read, which makes the new version visible all at once.
func (c *client) Close(fd int) error {
	//solution:begin E
	c.mu.Lock()
	f, ok := c.fds[fd]
	delete(c.fds, fd)
	exited := c.exited
	c.mu.Unlock()
	if exited {
		return ErrExited
	}
	if !ok {
		return fmt.Errorf("close fd %d: %w", fd, ErrBadFD)
	}
	if !f.write {
		return nil
	}
	defer c.unlockQuietly(f)
	f.mu.Lock()
	changed := len(f.dirty) > 0 || f.size != f.inode.Size
	f.mu.Unlock()
	if !changed {
		return nil
	}
	next, fresh := c.nextInode(f)
	if err := c.storeBlocks(fresh); err != nil {
		return errors.Join(fmt.Errorf("close %s: %w", f.path, err), c.retireMap(fresh))
	}
	data, err := encodeInode(next)
	if err != nil {
		return errors.Join(err, c.retireMap(fresh))
	}
	if _, err := c.conn.Set(fsPath(f.path), data, f.version); err != nil {
		// Removed, or the lock was lost with the session: the new blocks
		// belong to no file. Another version means the file was removed
		// and created again (see claim): the file this fd opened is gone.
		if errors.Is(err, coord.ErrBadVersion) {
			err = coord.ErrNoNode
		}
		return errors.Join(fsError("close", f.path, err), c.retireMap(fresh))
	}
	return c.retireReplaced(f.inode, next)
	//solution:stub
	// // Your code here (E).
	// return errors.New("Close: not implemented")
	//solution:end
}

//solution:begin E

// nextInode builds the inode Close publishes and the new blocks it
// refers to, by ID. The last block is cut at the file's end.
func (c *client) nextInode(f *file) (*inode, map[string][]byte) {
	bs := c.cfg.BlockSize
	f.mu.Lock()
	defer f.mu.Unlock()
	nblocks := (f.size + bs - 1) / bs
	next := &inode{Size: f.size, Blocks: make([]string, nblocks)}
	copy(next.Blocks, f.inode.Blocks)
	fresh := map[string][]byte{}
	ks := make([]uint64, 0, len(f.dirty))
	for k := range f.dirty {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	for _, k := range ks {
		b := f.dirty[k]
		if n := f.size - k*bs; n < bs {
			b = b[:n]
		}
		id := c.newBlockID()
		next.Blocks[k] = id
		fresh[id] = b
	}
	return next, fresh
}

//solution:end

//solution:begin E

// newBlockID returns an ID no other block has: the client's random tag
// tells clients apart (64 bits, drawn from the seeded stream rather than
// the session id, which a real service picks at random, so that where
// blocks land follows from a test's seed), the counter its blocks.
func (c *client) newBlockID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocks++
	return fmt.Sprintf("%x.%x", c.tag, c.blocks)
}

//solution:end

//solution:begin E

// retireReplaced lists as garbage the blocks of old that next no longer
// refers to.
func (c *client) retireReplaced(old, next *inode) error {
	var dead []string
	for k, id := range old.Blocks {
		if id != "" && (k >= len(next.Blocks) || next.Blocks[k] != id) {
			dead = append(dead, id)
		}
	}
	return c.retireAll(dead)
}

//solution:end

//solution:begin E

// retireMap lists the blocks of m as garbage.
func (c *client) retireMap(m map[string][]byte) error {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return c.retireAll(ids)
}

//solution:end

// retireAll lists ids (holes skipped) as garbage.
func (c *client) retireAll(ids []string) error {
	//solution:begin G
	var dead []string
	for _, id := range ids {
		if id != "" {
			dead = append(dead, id)
		}
	}
	return retire(c.conn, dead)
	//solution:stub
	// // Your code here (G): list the blocks as garbage (gc.go).
	// return nil
	//solution:end
}
