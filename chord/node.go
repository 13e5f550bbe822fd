package chord

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"distlabs/labrpc"
)

// Config is what every node of one ring agrees on.
type Config struct {
	// M is the number of bits of an ID: the ring has 2^M points and every
	// node has M fingers. The tests use 8 (collisions and wrap-around are
	// common) and 32 (the scale test).
	M int
	// R is the length of each node's successor list. A ring survives the
	// failure of any R-1 adjacent nodes at once; Zave's proof needs R >= 2.
	R int
	// StabilizeInterval, FixFingersInterval and CheckPredecessorInterval
	// are the periods of the three maintenance tasks.
	StabilizeInterval        time.Duration
	FixFingersInterval       time.Duration
	CheckPredecessorInterval time.Duration
}

// DefaultConfig is the configuration of the course-sized tests: an 8-bit
// ring with successor lists of 3.
func DefaultConfig() Config {
	return Config{
		M:                        8,
		R:                        3,
		StabilizeInterval:        100 * time.Millisecond,
		FixFingersInterval:       50 * time.Millisecond,
		CheckPredecessorInterval: 200 * time.Millisecond,
	}
}

// RemoteNode names a node: its ID and the address its RPC service is
// reached at. The zero RemoteNode (nil Id) means "none".
type RemoteNode struct {
	Id   []byte
	Addr string
}

// String shows a node as ID@address.
func (r RemoteNode) String() string { return IDString(r.Id) + "@" + r.Addr }

// valid reports whether r names a node.
func (r RemoteNode) valid() bool { return r.Id != nil }

// same reports whether a and b are the same node.
func same(a, b RemoteNode) bool { return bytes.Equal(a.Id, b.Id) && a.Addr == b.Addr }

// Errors of the node API and of the key/value store.
var (
	// ErrKilled is returned by calls on a node after Kill or Leave.
	ErrKilled = errors.New("chord: node is killed")
	// ErrIDTaken means a node with the joining node's ID is on the ring.
	ErrIDTaken = errors.New("chord: ID already on the ring")
	// ErrKeyNotFound means no value was ever put under the key.
	ErrKeyNotFound = errors.New("chord: key not found")
	// ErrUnreachable means a lookup or a call found no live node to ask.
	ErrUnreachable = errors.New("chord: no node answered")
)

// Node is one member of a Chord ring. Its RPC service (NodeRPCServer,
// from RPC) must be served at its address for the others to reach it.
//
// Invariants the node keeps (Zave, "Reasoning about identifier spaces",
// TSE 2017: its inductive invariant), under the rule that at most R-1 adjacent nodes fail
// between two rounds of stabilisation:
//   - the successor list has exactly R entries, in ring order from the
//     node onwards, and at least one of them is alive;
//   - the first successor is the next member on the ring once
//     stabilisation has run, and the predecessor (if any) precedes the
//     node, so the members form one ordered ring and a joined node that is
//     not yet a member (an appendage) points into it;
//   - a node owns the keys in (predecessor, self] and serves them only
//     once it holds them (ready).
type Node struct {
	conf    Config
	self    RemoteNode
	makeEnd func(addr string) *labrpc.ClientEnd
	rpc     *NodeRPCServer

	mu   sync.Mutex
	ends map[string]*labrpc.ClientEnd // one per address, made on first use
	//solution:begin B
	successors  []RemoteNode // exactly conf.R entries
	predecessor RemoteNode   // zero: none known
	fingers     []FingerEntry
	nextFinger  int
	started     bool
	store       map[string]Entry
	ready       bool // holds the keys it owns
	leaving     bool // handing its keys off: serves nothing more
	syncing     bool // its range grew: serves nothing until replicate pulled the newest copies
	//solution:stub
	// // Your fields here (B, C).
	//solution:end
	killed bool
	done   chan struct{}
	wg     sync.WaitGroup
}

// MakeNode returns a node for address addr on a ring with configuration
// conf. makeEnd returns a labrpc end to another node's address. The node
// does nothing until Create or Join.
func MakeNode(addr string, conf Config, makeEnd func(addr string) *labrpc.ClientEnd) *Node {
	n := &Node{
		conf:    conf,
		self:    RemoteNode{Id: HashKey(addr, conf.M), Addr: addr},
		makeEnd: makeEnd,
		ends:    map[string]*labrpc.ClientEnd{},
		done:    make(chan struct{}),
	}
	n.rpc = &NodeRPCServer{node: n}
	//solution:begin B
	n.fingers = make([]FingerEntry, conf.M)
	for i := range n.fingers {
		n.fingers[i].Start = FingerStart(n.self.Id, i, conf.M)
	}
	n.store = map[string]Entry{}
	//solution:end
	return n
}

// RPC returns the node's RPC service, to be served as "NodeRPCServer".
func (n *Node) RPC() *NodeRPCServer { return n.rpc }

// Self returns the node's own ID and address.
func (n *Node) Self() RemoteNode { return n.self }

// Create makes the node the only member of a new ring: its own successor
// (R times) and predecessor, and starts its maintenance tasks.
func (n *Node) Create() {
	//solution:begin B
	n.mu.Lock()
	defer n.mu.Unlock()
	n.setSuccessorsLocked([]RemoteNode{n.self})
	n.predecessor = n.self
	n.ready = true
	n.startLocked()
	//solution:stub
	// // Your code here (B).
	//solution:end
}

// Join adds the node to the ring that known belongs to: it asks known for
// its own successor, copies that node's successor list (Zave's join: a new
// node starts with a full list, so it survives R-1 failures at once), and
// starts its maintenance tasks. It has no predecessor until one notifies
// it, and serves keys only once its successor has handed them over.
func (n *Node) Join(known RemoteNode) error {
	//solution:begin B
	var succ RemoteNode
	var st IdReply
	var err error
	for range maxAttempts {
		// The answer may name a node that just failed or left: ask again
		// once the ring has had time to notice.
		if succ, st, err = n.findJoinSuccessor(known); err == nil {
			break
		}
		if errors.Is(err, ErrIDTaken) {
			return err
		}
		time.Sleep(n.conf.StabilizeInterval)
	}
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.killed {
		return ErrKilled
	}
	n.setSuccessorsLocked(append([]RemoteNode{succ}, st.Successors...))
	n.predecessor = RemoteNode{}
	n.startLocked()
	return nil
	//solution:stub
	// // Your code here (B).
	// return nil
	//solution:end
}

//solution:begin B

// findJoinSuccessor asks known for the joining node's successor and asks
// that successor for its successor list.
func (n *Node) findJoinSuccessor(known RemoteNode) (RemoteNode, IdReply, error) {
	succ, _, err := n.remoteFindSuccessor(known, n.self.Id)
	if err != nil {
		return succ, IdReply{}, fmt.Errorf("join %v via %v: %w", n.self, known, err)
	}
	if bytes.Equal(succ.Id, n.self.Id) {
		return succ, IdReply{}, fmt.Errorf("join %v via %v: %w (%v)", n.self, known, ErrIDTaken, succ)
	}
	st, err := n.remoteGetPredecessorId(succ)
	if err != nil {
		return succ, st, fmt.Errorf("join %v: successor %v: %w", n.self, succ, err)
	}
	return succ, st, nil
}

// startLocked starts the maintenance goroutine once.
func (n *Node) startLocked() {
	if n.started || n.killed {
		return
	}
	n.started = true
	n.wg.Add(1)
	go n.maintain()
}

// setSuccessorsLocked sets the successor list from list (the first
// successor first), repeating or cutting it to exactly R entries, and
// keeps finger 0 (which is the first successor by definition) in step.
func (n *Node) setSuccessorsLocked(list []RemoteNode) {
	out := make([]RemoteNode, 0, n.conf.R)
	for len(out) < n.conf.R {
		for _, s := range list {
			if len(out) == n.conf.R || !s.valid() {
				break
			}
			out = append(out, s)
		}
	}
	n.successors = out
	n.fingers[0].Node = out[0]
}

//solution:end

// Successors returns a copy of the successor list.
func (n *Node) Successors() []RemoteNode {
	n.mu.Lock()
	defer n.mu.Unlock()
	//solution:begin B
	return append([]RemoteNode(nil), n.successors...)
	//solution:stub
	// // Your code here (B).
	// return nil
	//solution:end
}

// Predecessor returns the predecessor and whether one is known.
func (n *Node) Predecessor() (RemoteNode, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	//solution:begin B
	return n.predecessor, n.predecessor.valid()
	//solution:stub
	// // Your code here (B).
	// return RemoteNode{}, false
	//solution:end
}

// Kill stops the node at once, as a crash does: its maintenance tasks
// end (Kill waits for them) and its RPC handlers answer nothing more. It
// hands nothing off; see Leave.
func (n *Node) Kill() {
	n.mu.Lock()
	if !n.killed {
		n.killed = true
		close(n.done)
	}
	n.mu.Unlock()
	n.wg.Wait()
}

// dead reports whether Kill was called.
func (n *Node) dead() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.killed
}

// end returns the cached labrpc end to addr.
func (n *Node) end(addr string) *labrpc.ClientEnd {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.ends[addr]
	if !ok {
		e = n.makeEnd(addr)
		n.ends[addr] = e
	}
	return e
}
