package puddlestore

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path"
	"sync"

	"distlabs/coord"
	"distlabs/labrpc"
)

// client is a Client: a coordination session, the open files, and ends
// to the block servers.
type client struct {
	//solution:begin E
	conn coord.Conn
	env  Env
	host string // the name this client dials from
	cfg  Config // the cluster's, read from the service

	mu      sync.Mutex
	rand    *rand.Rand
	fds     map[int]*file
	nextFD  int
	tag     uint64                       // the prefix of this client's block IDs
	blocks  uint64                       // block IDs made so far
	ends    map[string]*labrpc.ClientEnd // by block server address
	servers []string                     // block server addresses, as last listed
	exited  bool
	//solution:stub
	// // Your fields here (E).
	//solution:end
}

// Connect opens a client of the cluster whose state is in env's
// coordination service; host names the client on env's network.
func Connect(env Env, host string) (Client, error) {
	//solution:begin E
	conn, err := env.Coord()
	if err != nil {
		return nil, fmt.Errorf("puddlestore: open a coordination session: %w", err)
	}
	cfg, err := readConfig(conn)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// The stream is keyed by the host name, not the session id: a real
	// service picks session ids at random, and a test's choices must
	// follow from its seed alone.
	h := fnv.New64a()
	h.Write([]byte(host)) // a hash.Hash never fails to write
	c := &client{
		conn: conn, env: env, host: host, cfg: cfg,
		rand: rand.New(rand.NewPCG(env.Seed, h.Sum64())),
		fds:  map[int]*file{},
		ends: map[string]*labrpc.ClientEnd{},
	}
	c.tag = c.rand.Uint64()
	return c, nil
	//solution:stub
	// // Your code here (E).
	// return nil, errors.New("Connect: not implemented")
	//solution:end
}

//solution:begin E

// fsError maps the service's errors on path p to the file system's.
func fsError(op, p string, err error) error {
	switch {
	case errors.Is(err, coord.ErrNoNode):
		return fmt.Errorf("%s %s: %w", op, p, ErrNotFound)
	case errors.Is(err, coord.ErrNodeExists):
		return fmt.Errorf("%s %s: %w", op, p, ErrExists)
	case errors.Is(err, coord.ErrNotEmpty):
		return fmt.Errorf("%s %s: %w", op, p, ErrNotEmpty)
	}
	return fmt.Errorf("%s %s: %w", op, p, err)
}

//solution:end

//solution:begin E

// stat reads the inode of p and its version.
func (c *client) stat(p string) (*inode, int32, error) {
	data, st, err := c.conn.Get(fsPath(p))
	if err != nil {
		return nil, 0, err
	}
	n, err := decodeInode(data)
	if err != nil {
		return nil, 0, err
	}
	return n, st.Version, nil
}

//solution:end

//solution:begin E

// checkDir fails unless p is a directory.
func (c *client) checkDir(op, p string) error {
	n, _, err := c.stat(p)
	if err != nil {
		return fsError(op, p, err)
	}
	if !n.Dir {
		return fmt.Errorf("%s %s: %w", op, p, ErrNotDir)
	}
	return nil
}

//solution:end

// Mkdir makes a directory whose parent exists.
func (c *client) Mkdir(p string) error {
	//solution:begin E
	if err := c.alive(); err != nil {
		return err
	}
	if err := cleanPath(p); err != nil {
		return err
	}
	if p == "/" {
		return fmt.Errorf("mkdir /: %w", ErrExists)
	}
	return c.makeEntry("mkdir", p, &inode{Dir: true})
	//solution:stub
	// // Your code here (E).
	// return errors.New("Mkdir: not implemented")
	//solution:end
}

// Remove removes a file or an empty directory; a file's blocks become
// garbage.
func (c *client) Remove(p string) error {
	//solution:begin E
	if err := c.alive(); err != nil {
		return err
	}
	if err := cleanPath(p); err != nil {
		return err
	}
	if p == "/" {
		return fmt.Errorf("remove /: %w", ErrInvalidPath)
	}
	var release func() // of the entries' lock, once p is found a directory
	defer func() {
		if release != nil {
			release()
		}
	}()
	for {
		n, version, err := c.stat(p)
		if err != nil {
			return fsError("remove", p, err)
		}
		if n.Dir && release == nil {
			// A directory goes only under the lock of its entries, so
			// that no Mkdir or create in it is between its check of the
			// directory and its Create; then look again.
			if release, err = c.lockEntries(p); err != nil {
				return fmt.Errorf("remove %s: %w", p, err)
			}
			continue
		}
		// The version check makes the inode whose blocks are retired the
		// one removed: a Close in between retries the removal.
		err = c.conn.Delete(fsPath(p), version)
		if errors.Is(err, coord.ErrBadVersion) {
			continue
		}
		if err != nil {
			return fsError("remove", p, err)
		}
		return c.retireAll(n.Blocks)
	}
	//solution:stub
	// // Your code here (E).
	// return errors.New("Remove: not implemented")
	//solution:end
}

// List returns the names in directory p, sorted, or the name of file p.
func (c *client) List(p string) ([]string, error) {
	//solution:begin E
	if err := c.alive(); err != nil {
		return nil, err
	}
	if err := cleanPath(p); err != nil {
		return nil, err
	}
	n, _, err := c.stat(p)
	if err != nil {
		return nil, fsError("list", p, err)
	}
	if !n.Dir {
		return []string{path.Base(p)}, nil
	}
	names, _, err := c.conn.Children(fsPath(p))
	if err != nil {
		return nil, fsError("list", p, err)
	}
	return names, nil
	//solution:stub
	// // Your code here (E).
	// return nil, errors.New("List: not implemented")
	//solution:end
}

// Exit drops every fd without publishing and ends the session, which
// deletes the client's lock nodes.
func (c *client) Exit() {
	//solution:begin E
	c.mu.Lock()
	if c.exited {
		c.mu.Unlock()
		return
	}
	c.exited = true
	c.fds = map[int]*file{}
	ends := c.ends
	c.ends = map[string]*labrpc.ClientEnd{}
	c.mu.Unlock()
	c.conn.Close()
	for _, e := range ends {
		e.Close()
	}
	//solution:stub
	// // Your code here (E).
	//solution:end
}

//solution:begin E

// alive fails after Exit.
func (c *client) alive() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return ErrExited
	}
	return nil
}

//solution:end
