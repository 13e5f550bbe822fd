package chord

import (
	"errors"
	"fmt"
	"time"
)

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives helpers your store code may use
//solution:end

// The key/value store. A key lives on its successor (its owner), which
// gives each write a version and copies it to its next R-1 successors
// before it answers; the periodic replication pass re-copies every owned
// key, so the copies come back after failures and joins. A copy replaces
// another only if it is newer, so the copies of a key never go back in
// time. So an acknowledged write survives as long as fewer than R adjacent
// nodes (the owner and its R-1 successors) fail before the next pass.
//
// Ownership moves with the predecessor: a node that takes a new
// predecessor stops serving the keys in (old predecessor, new], and the
// new predecessor serves them only after the Notify reply brought it the
// entries (Node.ready). Nodes keep copies of keys they no longer own: only
// the owner answers for a key.

// maxAttempts bounds the retries of Get and Put: each waits one
// stabilisation period, so a ring that is repairing itself has time to.
const maxAttempts = 50

// Get returns the value of key, asking node to find its owner. It retries
// while the ring is repairing itself (a dead owner, a new owner that has
// not received its keys).
func Get(node *Node, key string) (string, error) {
	//solution:begin C
	var value string
	err := node.withOwner(key, func(owner RemoteNode) (string, error) {
		reply, err := node.remoteGet(owner, key)
		value = reply.Value
		return reply.Err, err
	})
	return value, err
	//solution:stub
	// // Your code here (C).
	// return "", nil
	//solution:end
}

// Put stores value under key, asking node to find its owner; it returns
// once the owner has stored the value (and copied it to its replicas).
func Put(node *Node, key, value string) error {
	//solution:begin C
	return node.withOwner(key, func(owner RemoteNode) (string, error) {
		reply, err := node.remotePut(owner, key, value)
		return reply.Err, err
	})
	//solution:stub
	// // Your code here (C).
	// return nil
	//solution:end
}

// Keys returns a copy of every key the node holds with its value, owned
// or copied (for tests and debugging).
func (n *Node) Keys() map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	//solution:begin C
	out := make(map[string]string, len(n.store))
	for k, e := range n.store {
		out[k] = e.Value
	}
	return out
	//solution:stub
	// // Your code here (C).
	// return nil
	//solution:end
}

//solution:begin C

// withOwner runs op on the owner of key until it succeeds, ends in a
// final answer, or maxAttempts runs out.
func (n *Node) withOwner(key string, op func(owner RemoteNode) (string, error)) error {
	id := HashKey(key, n.conf.M)
	var last error
	for range maxAttempts {
		if n.dead() {
			return ErrKilled
		}
		owner, _, err := n.findSuccessor(id)
		if err == nil {
			var e string
			e, err = op(owner)
			switch {
			case err != nil:
			case e == OK:
				return nil
			case e == ErrNoKey:
				return fmt.Errorf("%q: %w", key, ErrKeyNotFound)
			default:
				err = fmt.Errorf("%q at %v: %s", key, owner, e)
			}
		}
		last = err
		time.Sleep(n.conf.StabilizeInterval)
	}
	return fmt.Errorf("%q: gave up after %d attempts: %w", key, maxAttempts, last)
}

// servesLocked says why the node cannot answer for key now, or OK.
func (n *Node) servesLocked(key string) string {
	switch {
	case !n.ready || n.leaving || n.syncing:
		return ErrNotReady
	case n.predecessor.valid() && !BetweenRightIncl(HashKey(key, n.conf.M), n.predecessor.Id, n.self.Id):
		return ErrWrongNode
	}
	return OK
}

// replicasLocked returns the successors that hold copies of the node's
// keys: the first R-1 entries of the successor list, without the node
// itself and each once.
func (n *Node) replicasLocked() []RemoteNode {
	var out []RemoteNode
	for _, s := range n.successors[:n.conf.R-1] {
		dup := same(s, n.self)
		for _, o := range out {
			dup = dup || same(o, s)
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

//solution:end

// localGet answers a Get for key: its value, or why not.
func (n *Node) localGet(key string) (string, string) {
	//solution:begin C
	n.mu.Lock()
	defer n.mu.Unlock()
	if e := n.servesLocked(key); e != OK {
		return "", e
	}
	e, ok := n.store[key]
	if !ok {
		return "", ErrNoKey
	}
	return e.Value, OK
	//solution:stub
	// // Your code here (C).
	// return "", ErrNoKey
	//solution:end
}

// localPut stores value under key if the node owns it, with a version one
// above the copy it holds, and copies it to the replicas before answering.
// A replica that does not answer is left to the replication pass.
func (n *Node) localPut(key, value string) string {
	//solution:begin C
	n.mu.Lock()
	if e := n.servesLocked(key); e != OK {
		n.mu.Unlock()
		return e
	}
	e := n.store[key]
	e.Value, e.Version = value, e.Version+1
	n.store[key] = e
	replicas := n.replicasLocked()
	n.mu.Unlock()
	for _, r := range replicas {
		// An error means r is dead or cut off; the owner's replication
		// pass copies the key to the successor list as it is then.
		_, _ = n.remoteTransferKeys(r, map[string]Entry{key: e}, nil, nil)
	}
	return OK
	//solution:stub
	// // Your code here (C).
	// return ErrWrongNode
	//solution:end
}

// merge keeps each pushed entry that is newer than the node's copy and,
// if lo is not nil, returns the node's copies of keys in (lo, hi] that are
// newer than the pushed ones or missing from them.
func (n *Node) merge(entries map[string]Entry, lo, hi []byte) map[string]Entry {
	//solution:begin C
	n.mu.Lock()
	defer n.mu.Unlock()
	for k, e := range entries {
		if cur, ok := n.store[k]; !ok || e.Version > cur.Version {
			n.store[k] = e
		}
	}
	if lo == nil {
		return nil
	}
	newer := map[string]Entry{}
	for k, cur := range n.store {
		if e, ok := entries[k]; (!ok || cur.Version > e.Version) && BetweenRightIncl(HashKey(k, n.conf.M), lo, hi) {
			newer[k] = cur
		}
	}
	return newer
	//solution:stub
	// // Your code here (C).
	// return nil
	//solution:end
}

// replicate copies every key the node owns to its replicas (run after
// each stabilisation), restoring R copies after failures and joins. After
// its range grew (a dead predecessor forgotten) the node serves nothing
// until one pass has brought back, from a replica, the newest copy of
// every key it took over: the dead owner may have written a version the
// node never received (it joined after the owner last read its list).
func (n *Node) replicate() {
	//solution:begin D
	n.mu.Lock()
	if !n.ready || n.leaving {
		n.mu.Unlock()
		return
	}
	syncing := n.syncing
	lo, hi := n.self.Id, n.self.Id // a node without predecessor owns what reaches it
	if n.predecessor.valid() {
		lo = n.predecessor.Id
	}
	owned := map[string]Entry{}
	for k, e := range n.store {
		if BetweenRightIncl(HashKey(k, n.conf.M), lo, hi) {
			owned[k] = e
		}
	}
	replicas := n.replicasLocked()
	n.mu.Unlock()
	if len(owned) == 0 && !syncing {
		return
	}
	synced := len(replicas) == 0
	for _, r := range replicas {
		newer, err := n.remoteTransferKeys(r, owned, lo, hi)
		if err != nil {
			// A dead replica drops out of the successor list; the next
			// pass copies to its replacement.
			continue
		}
		n.merge(newer, nil, nil)
		synced = true
	}
	if syncing && synced {
		n.mu.Lock()
		n.syncing = false
		n.mu.Unlock()
	}
	//solution:stub
	// // Your code here (D).
	//solution:end
}

// Leave takes the node off the ring gracefully: it stops serving keys,
// hands every entry to its first live successor, tells its predecessor
// and successor about each other, and stops as Kill does.
func (n *Node) Leave() error {
	//solution:begin C
	n.mu.Lock()
	if n.killed {
		n.mu.Unlock()
		return ErrKilled
	}
	n.leaving = true
	entries := make(map[string]Entry, len(n.store))
	for k, e := range n.store {
		entries[k] = e
	}
	succs := append([]RemoteNode(nil), n.successors...)
	pred := n.predecessor
	n.mu.Unlock()
	defer n.Kill()

	var succ RemoteNode
	var errs []error
	for _, s := range succs {
		if same(s, n.self) {
			continue
		}
		if _, err := n.remoteTransferKeys(s, entries, nil, nil); err != nil {
			errs = append(errs, err)
			continue
		}
		succ = s
		break
	}
	if !succ.valid() {
		if len(errs) == 0 {
			return nil // the last node: nobody to hand off to
		}
		return fmt.Errorf("leave %v: no successor took the keys: %w", n.self, errors.Join(errs...))
	}
	if pred.valid() && !same(pred, n.self) {
		if err := n.remoteSetPredecessorId(succ, pred); err != nil {
			return fmt.Errorf("leave %v: %w", n.self, err)
		}
		// A predecessor that does not answer has failed or left itself:
		// the ring repairs around it by stabilisation, as for any failure.
		_ = n.remoteSetSuccessorId(pred, succ, succs)
	}
	return nil
	//solution:stub
	// // Your code here (C).
	// n.Kill()
	// return nil
	//solution:end
}
