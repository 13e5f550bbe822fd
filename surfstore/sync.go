package surfstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"
)

// ClientSync makes client.BaseDir and the servers agree, once:
//
//   - a file is new, modified or deleted locally if the directory differs
//     from the index (index.db, the state of the last sync);
//   - a remote version newer than the index's wins: the client downloads
//     it (or deletes the file, for a tombstone), dropping local edits;
//   - otherwise a local change is uploaded: missing blocks go to the
//     BlockStores the MetaStore names, then UpdateFile with the index's
//     version + 1; if that is refused (another client got there first),
//     the client downloads the version that won;
//   - each file syncs on its own: one that cannot (a block no store holds,
//     more than MaxHashesPerFile blocks, an update the server refuses)
//     keeps its old index entry and is named in the error, and every
//     other file still uploads or downloads, so one bad entry on the
//     server cannot stop every client's sync;
//   - the index is rewritten, atomically, once all files are done, with
//     what synced (untouched if nothing did).
//
// Only regular files directly in BaseDir are synced, never index.db. A
// corrupt index fails the sync before anything is touched. Files the
// server lists under an unsafe name (ErrUnsafeName) or with a malformed
// entry are left alone and reported in the error after the others synced.
func ClientSync(client RPCClient) error {
	//solution:begin S1
	if client.BlockSize < 1 || client.BlockSize > MaxBlockSize {
		return fmt.Errorf("surfstore: block size %d: want 1..%d", client.BlockSize, MaxBlockSize)
	}
	c, closeConns := client.KeepConns()
	defer closeConns()
	s := &syncer{c: &c}
	return s.run()
	//solution:stub
	// // Your code here (S1). Return every failure as an error (wrapped with
	// // context); never log.Fatal, panic or os.Exit: the tests run all
	// // clients and servers in one process, so that ends every test.
	// return nil
	//solution:end
}

//solution:begin S1

// syncer is the state of one ClientSync.
type syncer struct {
	c       *RPCClient
	index   map[string]*FileMetaData // the last sync's view; updated as files sync
	local   map[string][]string      // the directory now: name -> block hashes
	remote  map[string]*FileMetaData
	refused []string // remote entries not synced (unsafe or malformed)
}

func (s *syncer) run() error {
	base := s.c.BaseDir
	var err error
	if s.index, err = LoadMetaFromMetaFile(base); err != nil {
		return err
	}
	if err := removeStale(base, s.c.logf); err != nil {
		return err
	}
	if s.local, err = scanDir(base, s.c.BlockSize, s.c.logf); err != nil {
		return err
	}
	if err := s.c.GetFileInfoMap(&s.remote); err != nil {
		return err
	}
	names := map[string]bool{}
	for _, m := range []map[string]*FileMetaData{s.index, s.remote} {
		for name := range m {
			names[name] = true
		}
	}
	for name := range s.local {
		names[name] = true
	}
	sorted := make([]string, 0, len(names))
	for name := range names {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	// Each file on its own: one that cannot sync (a block no store holds,
	// an oversized list, a refused update) is reported by name and keeps
	// its old index entry, and the others still sync. Only a MetaStore
	// that no longer answers ends the loop early: every later file would
	// wait for the same timeouts.
	var failed []error
	changed := false
	for _, name := range sorted {
		before := s.index[name]
		err := s.syncFile(name)
		if s.index[name] != before {
			changed = true
		}
		if err == nil {
			continue
		}
		s.c.logf("%q not synced: %v", name, err)
		failed = append(failed, fmt.Errorf("%q: %w", name, err))
		if errors.Is(err, errNoMetaStore) {
			failed = append(failed, errors.New("the MetaStore stopped answering; the remaining files were not tried"))
			break
		}
	}
	// The index records what synced. A sync in which nothing synced leaves
	// the index as it was (and makes none in a directory that had none).
	if len(failed) == 0 || changed {
		if err := WriteMetaFile(s.index, base); err != nil {
			return err
		}
	}
	if len(s.refused) > 0 {
		failed = append(failed, fmt.Errorf("%w: the server lists %q; left alone", ErrUnsafeName, s.refused))
	}
	if len(failed) > 0 {
		return fmt.Errorf("surfstore: sync of %s incomplete, the other files synced: %w", base, errors.Join(failed...))
	}
	return nil
}

// checkRemote returns nil if the server's entry under name is one the
// client may act on.
func checkRemote(name string, m *FileMetaData) error {
	if m.GetFilename() != name {
		return fmt.Errorf("%w: entry %q names file %q", ErrUnsafeName, name, m.GetFilename())
	}
	return CheckFileMetaData(m)
}

// syncFile applies the rules of ClientSync to one name.
func (s *syncer) syncFile(name string) error {
	idx, rem := s.index[name], s.remote[name]
	if rem != nil {
		if err := checkRemote(name, rem); err != nil {
			s.c.logf("refusing the server's entry %q: %v", name, err)
			s.refused = append(s.refused, name)
			return nil
		}
	}
	hashes, inDir := s.local[name]
	var want []string // the file as the directory has it now
	switch {
	case inDir:
		want = hashes
	case idx != nil:
		want = []string{TombstoneHash} // in the index, gone from the directory
	}
	var known int32 // the version the index has
	if idx != nil {
		known = idx.GetVersion()
	}
	unchanged := want == nil || (idx != nil && slices.Equal(idx.GetBlockHashList(), want))
	if rem != nil && rem.GetVersion() > known {
		if !unchanged {
			s.c.logf("%q changed here, but the server has version %d (this directory last synced %d): taking the server's", name, rem.GetVersion(), known)
		}
		return s.adopt(name, rem)
	}
	if unchanged {
		return nil
	}
	if len(want) > MaxHashesPerFile {
		return fmt.Errorf("%d blocks, more than the %d a file may have (use a larger block size)", len(want), MaxHashesPerFile)
	}
	meta := &FileMetaData{Filename: name, Version: known + 1, BlockHashList: want}
	if err := s.upload(name, want, idx.GetBlockHashList()); err != nil {
		return err
	}
	var v int32
	if err := s.c.UpdateFile(meta, &v); err != nil {
		return fmt.Errorf("surfstore: update %q: %w", name, err)
	}
	if v == meta.Version {
		s.c.logf("uploaded %q version %d", name, v)
		s.index[name] = meta
		return nil
	}
	// Refused: another client's update took this version. Take the winner.
	s.c.logf("update of %q to version %d refused; downloading the server's", name, meta.Version)
	var fresh map[string]*FileMetaData
	if err := s.c.GetFileInfoMap(&fresh); err != nil {
		return err
	}
	rem = fresh[name]
	if rem == nil {
		return fmt.Errorf("surfstore: update %q refused, yet the server has no such file", name)
	}
	if err := checkRemote(name, rem); err != nil {
		s.refused = append(s.refused, name)
		return nil
	}
	return s.adopt(name, rem)
}

// adopt makes the local file what rem says and records rem in the index.
func (s *syncer) adopt(name string, rem *FileMetaData) error {
	path := filepath.Join(s.c.BaseDir, name)
	hashes, inDir := s.local[name]
	switch {
	case isTombstone(rem):
		if inDir {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("surfstore: delete %q: %w", name, err)
			}
			s.c.logf("deleted %q (version %d)", name, rem.GetVersion())
		}
	case inDir && slices.Equal(hashes, rem.GetBlockHashList()):
		// Already what the server has (say, our own earlier upload).
	default:
		if err := s.download(name, rem.GetBlockHashList()); err != nil {
			return err
		}
		s.c.logf("downloaded %q version %d", name, rem.GetVersion())
	}
	s.index[name] = proto.Clone(rem).(*FileMetaData)
	return nil
}

// upload stores the blocks of the local file name that its BlockStores
// lack. Blocks of the version synced last (synced: uploaded before that
// version was accepted) are known to be there, so only the others are
// looked up: the hash lists sent stay proportional to what changed. It
// reads the file again, so that only missing blocks are held in memory,
// a window (transferWindow) at a time.
func (s *syncer) upload(name string, hashes, synced []string) error {
	if len(hashes) == 1 && (hashes[0] == TombstoneHash || hashes[0] == EmptyFileHash) {
		return nil
	}
	have := make(map[string]bool, len(synced))
	for _, h := range synced {
		have[h] = true
	}
	var fresh []string
	for _, h := range hashes {
		if !have[h] {
			fresh = append(fresh, h)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	where, err := s.locate(fresh)
	if err != nil {
		return err
	}
	byStore := map[string][]string{}
	for h, addr := range where {
		byStore[addr] = append(byStore[addr], h)
	}
	need := map[string]string{} // missing hash -> its store
	for addr, hs := range byStore {
		sort.Strings(hs)
		var missing []string
		if err := s.c.MissingBlocks(hs, addr, &missing); err != nil {
			return err
		}
		for _, h := range missing {
			need[h] = addr
		}
	}
	if len(need) == 0 {
		return nil
	}
	// Blocks go out a window at a time, the calls of a window in parallel:
	// one call at a time would wait a round trip per block.
	var batch []*Block
	var stores []string
	flush := func() error {
		var g errgroup.Group
		for k, b := range batch {
			addr := stores[k]
			g.Go(func() error {
				var stored bool
				if err := s.c.PutBlock(b, addr, &stored); err != nil {
					return err
				}
				if !stored {
					return fmt.Errorf("surfstore: block store %s did not store a block of %q", addr, name)
				}
				return nil
			})
		}
		err := g.Wait()
		batch, stores = batch[:0], stores[:0]
		return err
	}
	window := transferWindow(s.c.BlockSize)
	err = eachBlock(filepath.Join(s.c.BaseDir, name), s.c.BlockSize, func(data []byte) error {
		h := GetBlockHashString(data)
		addr, ok := need[h]
		if !ok {
			return nil
		}
		delete(need, h)           // a block repeated in the file goes once
		data = slices.Clone(data) // eachBlock reuses its buffer
		batch = append(batch, &Block{BlockData: data, BlockSize: int32(len(data))})
		stores = append(stores, addr)
		if len(batch) == window {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("surfstore: upload %q: %w", name, err)
	}
	if len(need) > 0 {
		return fmt.Errorf("surfstore: %q changed during the sync; sync again", name)
	}
	return nil
}

// Block transfers a sync keeps in flight: at most maxTransfers calls, and
// at most transferBytes of block data held for them (blocks may be up to
// MaxBlockSize). The BlockStores admit MaxCallsInFlightPerPeer calls of
// one host; a window stays well under that.
const (
	maxTransfers  = 8
	transferBytes = 16 << 20
)

// transferWindow returns how many blocks of blockSize bytes a sync
// transfers at once.
func transferWindow(blockSize int) int {
	return max(1, min(maxTransfers, transferBytes/max(blockSize, 1)))
}

// locate asks the MetaStore which BlockStore holds each of hashes.
func (s *syncer) locate(hashes []string) (map[string]string, error) {
	unique := slices.Clone(hashes)
	sort.Strings(unique)
	unique = slices.Compact(unique)
	var m map[string][]string
	if err := s.c.GetBlockStoreMap(unique, &m); err != nil {
		return nil, err
	}
	where := make(map[string]string, len(unique))
	for addr, hs := range m {
		for _, h := range hs {
			where[h] = addr
		}
	}
	for _, h := range unique {
		if where[h] == "" {
			return nil, fmt.Errorf("surfstore: the MetaStore names no block store for block %s", h)
		}
	}
	return where, nil
}

// download writes the file name with the given blocks under a temp name,
// flushes it and renames it into place, so the file is never seen half
// written.
func (s *syncer) download(name string, hashes []string) (err error) {
	var where map[string]string
	if hashes[0] != EmptyFileHash {
		if where, err = s.locate(hashes); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(s.c.BaseDir, tempPrefix+"file-*")
	if err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name()) // best effort; scans skip the temp prefix
		}
	}()
	if err := fillFile(tmp, hashes, where, s.c); err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.c.BaseDir, name)); err != nil {
		return fmt.Errorf("surfstore: download %q: %w", name, err)
	}
	return nil
}

// fillFile writes the blocks of hashes to w in order. It fetches each
// block once (one that repeats is kept until its last use), a window of
// blocks at a time, the calls of a window in parallel.
func fillFile(w io.Writer, hashes []string, where map[string]string, c *RPCClient) error {
	if hashes[0] == EmptyFileHash {
		return nil
	}
	left := map[string]int{}
	for _, h := range hashes {
		left[h]++
	}
	kept := map[string][]byte{}
	window := transferWindow(c.BlockSize)
	for start := 0; start < len(hashes); {
		// The next window: the following hashes up to window blocks not
		// yet held.
		end, fetch := start, map[string][]byte{}
		for ; end < len(hashes) && len(fetch) < window; end++ {
			if _, ok := kept[hashes[end]]; !ok {
				fetch[hashes[end]] = nil
			}
		}
		for end < len(hashes) {
			_, k := kept[hashes[end]]
			_, f := fetch[hashes[end]]
			if !k && !f {
				break
			}
			end++
		}
		want := slices.Collect(maps.Keys(fetch))
		got := make([][]byte, len(want))
		var g errgroup.Group
		for k, h := range want {
			g.Go(func() error {
				var b Block
				if err := c.GetBlock(h, where[h], &b); err != nil {
					return err
				}
				got[k] = b.GetBlockData()
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		for k, h := range want {
			kept[h] = got[k]
		}
		for _, h := range hashes[start:end] {
			data := kept[h]
			if left[h]--; left[h] == 0 {
				delete(kept, h)
			}
			if _, err := w.Write(data); err != nil {
				return err
			}
		}
		start = end
	}
	return nil
}

// removeStale deletes the temp files a sync that crashed left in dir
// (one sync runs in a directory at a time, so none is in use).
func removeStale(dir string, logf func(string, ...any)) error {
	stale, err := filepath.Glob(filepath.Join(dir, tempPrefix+"*"))
	if err != nil {
		return fmt.Errorf("surfstore: %w", err)
	}
	for _, p := range stale {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("surfstore: remove a stale temp file: %w", err)
		}
		logf("removed %s, left by an interrupted sync", filepath.Base(p))
	}
	return nil
}

// scanDir returns the block hashes of every regular file directly in dir
// that may be synced. Directories, symbolic links, the index and the temp
// files of a sync are skipped, and so, with a log line, are names that
// cannot be synced (CheckFileName).
func scanDir(dir string, blockSize int, logf func(string, ...any)) (map[string][]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("surfstore: scan: %w", err)
	}
	files := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || isReserved(name) {
			continue
		}
		if err := CheckFileName(name); err != nil {
			logf("skipping %v", err)
			continue
		}
		var hashes []string
		err := eachBlock(filepath.Join(dir, name), blockSize, func(data []byte) error {
			hashes = append(hashes, GetBlockHashString(data))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("surfstore: scan: %w", err)
		}
		if len(hashes) == 0 {
			hashes = []string{EmptyFileHash}
		}
		files[name] = hashes
	}
	return files, nil
}

// eachBlock calls f with each block of the file at path (the last one may
// be shorter). f must not keep data: the buffer is reused.
func eachBlock(path string, blockSize int, f func(data []byte) error) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close() // read-only
	buf := make([]byte, blockSize)
	for {
		n, err := io.ReadFull(file, buf)
		if n > 0 {
			if err := f(buf[:n]); err != nil {
				return err
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// isTombstone reports whether m describes a deleted file.
func isTombstone(m *FileMetaData) bool {
	return len(m.BlockHashList) == 1 && m.BlockHashList[0] == TombstoneHash
}

//solution:end
