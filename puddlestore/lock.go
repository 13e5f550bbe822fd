package puddlestore

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives the lock as functions your client calls
//solution:end

import (
	"errors"
	"fmt"
	"path"

	"distlabs/coord"
)

// lock takes the write lock of file p by ZooKeeper's lock recipe and
// returns the node that holds it: each writer creates an ephemeral
// sequential node under the file's lock directory, and the lowest number
// holds the lock. The others each watch the node just before their own
// (not the holder: one release wakes one waiter, not the herd). The
// nodes are ephemeral, so a crashed client's session releases its lock.
func (c *client) lock(p string) (string, error) {
	//solution:begin F
	dir := lockPath(p)
	me, err := c.joinQueue(dir)
	if err != nil {
		return "", err
	}
	name := path.Base(me)
	for {
		// Children are sorted, and sequential names compare as numbers
		// (ten zero-padded digits after the same prefix).
		names, _, err := c.conn.Children(dir)
		if err != nil {
			return "", fmt.Errorf("list %s: %w", dir, err)
		}
		i := 0
		for i < len(names) && names[i] != name {
			i++
		}
		switch {
		case i == len(names):
			return "", fmt.Errorf("lock node %s vanished: %w", me, coord.ErrSessionExpired)
		case i == 0:
			return me, nil
		}
		ok, _, ev, err := c.conn.ExistsW(dir + "/" + names[i-1])
		if err != nil {
			return "", fmt.Errorf("watch %s: %w", names[i-1], err)
		}
		if !ok {
			continue // gone between Children and ExistsW
		}
		if e := <-ev; e.Type == coord.EventNotWatching {
			return "", fmt.Errorf("wait for %s: %w", names[i-1], e.Err)
		}
	}
	//solution:stub
	// // Your code here (F).
	// return "", nil
	//solution:end
}

//solution:begin F

// joinQueue creates this client's node in the lock directory dir, making
// the directory if it is missing. The last holder to leave deletes it
// (unlock), so it may vanish between the two Creates: then again.
func (c *client) joinQueue(dir string) (string, error) {
	for {
		if _, err := c.conn.Create(dir, nil, 0); err != nil && !errors.Is(err, coord.ErrNodeExists) {
			return "", fmt.Errorf("create %s: %w", dir, err)
		}
		me, err := c.conn.Create(dir+"/"+lockPrefix, nil, coord.Ephemeral|coord.Sequential)
		if errors.Is(err, coord.ErrNoNode) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("join the queue of %s: %w", dir, err)
		}
		return me, nil
	}
}

//solution:end

// unlock releases a lock that lock returned.
func (c *client) unlock(node string) error {
	//solution:begin F
	if err := c.conn.Delete(node, coord.AnyVersion); err != nil && !errors.Is(err, coord.ErrNoNode) {
		return fmt.Errorf("unlock %s: %w", node, err)
	}
	// The last one out deletes the lock directory, so that the locks of
	// files long removed do not pile up in the coordination service. One
	// that finds a waiter queued (or the directory gone) leaves it.
	dir := path.Dir(node)
	if err := c.conn.Delete(dir, coord.AnyVersion); err != nil &&
		!errors.Is(err, coord.ErrNotEmpty) && !errors.Is(err, coord.ErrNoNode) {
		return fmt.Errorf("unlock %s: delete %s: %w", node, dir, err)
	}
	return nil
	//solution:stub
	// // Your code here (F).
	// return nil
	//solution:end
}

//solution:begin E

// lockEntries takes the lock of directory d's entries and returns its
// release. Its name is d with a trailing slash, which no file's path has,
// so it never queues behind a writer of a file at d. Release ignores a
// failed Delete: the session's end releases the lock anyway.
func (c *client) lockEntries(d string) (release func(), err error) {
	node, err := c.lock(d + "/")
	if err != nil {
		return nil, fmt.Errorf("lock the entries of %s: %w", d, err)
	}
	return func() { _ = c.unlock(node) }, nil
}

//solution:end
