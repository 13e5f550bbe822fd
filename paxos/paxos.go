package paxos

import (
	"sync"
	"sync/atomic"

	"distlabs/labrpc"
)

// Fate is what a peer knows about an instance.
type Fate int

// The fates Status reports.
const (
	// Decided: the instance has a chosen value and this peer knows it.
	Decided Fate = iota + 1
	// Pending: this peer does not know a decided value (yet).
	Pending
	// Forgotten: the instance is below Min; its state has been freed.
	Forgotten
)

// String names the fate for test messages.
func (f Fate) String() string {
	switch f {
	case Decided:
		return "Decided"
	case Pending:
		return "Pending"
	case Forgotten:
		return "Forgotten"
	}
	return "Fate(?)"
}

// Paxos is one peer of a Paxos group.
type Paxos struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (A)
	//solution:end
	mu    sync.Mutex          // guards every field below
	peers []*labrpc.ClientEnd // RPC ends of all peers, peers[me] included
	me    int                 // this peer's index into peers[]
	dead  int32               // set by Kill
	rng   *randSource         // seeded back-off between rounds (rand.go)

	//solution:begin A
	instances map[int]*instance // acceptor and learner state, seq >= min
	dones     []int             // highest Done argument heard from each peer; -1: none
	min       int               // every seq < min is forgotten
	max       int               // highest seq this peer has heard of; -1: none
	highestN  int               // highest proposal number seen, to choose higher ones

	killCh chan struct{} // closed by Kill
	wg     sync.WaitGroup
	//solution:stub
	// // Your data here (A).
	//solution:end
}

// Make creates a Paxos peer. peers holds the ends of all peers (this one at
// index me). The caller registers the peer as a labrpc service
// (labrpc.MakeService(px)) so the other peers can reach it. Make returns at
// once.
func Make(peers []*labrpc.ClientEnd, me int) *Paxos {
	px := &Paxos{peers: peers, me: me}
	//solution:begin A
	px.rng = newPeerRand(me, peers)
	px.instances = map[int]*instance{}
	px.dones = make([]int, len(peers))
	for i := range px.dones {
		px.dones[i] = -1
	}
	px.max = -1
	px.killCh = make(chan struct{})
	//solution:stub
	// px.rng = newPeerRand(me, peers)
	//
	// // Your initialization code here (A).
	//solution:end
	return px
}

// Start proposes v for instance seq and returns at once; agreement runs in
// the background and Status reports the outcome. Start for seq < Min() is
// ignored. v must be labgob-encodable (register its type).
func (px *Paxos) Start(seq int, v interface{}) {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.killed() || seq < px.min {
		return
	}
	px.noteSeq(seq)
	inst := px.instance(seq)
	if inst.decided || inst.proposing {
		return
	}
	inst.proposing = true
	px.wg.Add(1)
	go px.propose(seq, v)
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// Status reports what this peer knows about instance seq: Decided with the
// value, Pending, or Forgotten (seq < Min()). It makes no RPCs.
func (px *Paxos) Status(seq int) (Fate, interface{}) {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	if seq < px.min {
		return Forgotten, nil
	}
	if inst, ok := px.instances[seq]; ok && inst.decided {
		return Decided, inst.value
	}
	return Pending, nil
	//solution:stub
	// return Pending, nil
	//solution:end
}

// Done tells the group that this peer no longer needs instances <= seq.
// The value reaches the other peers on later Paxos messages.
func (px *Paxos) Done(seq int) {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	px.noteDone(px.me, seq)
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// Max returns the highest instance seq this peer has heard of (through
// Start or any Paxos message), or -1.
func (px *Paxos) Max() int {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.max
	//solution:stub
	// return -1
	//solution:end
}

// Min returns one more than the smallest Done argument over all peers, as
// far as this peer has heard (a peer it never heard from counts as -1, so
// Min stays 0 until every peer has reported). Instances below Min are
// forgotten; a service may call Min to learn which are.
func (px *Paxos) Min() int {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	return px.min
	//solution:stub
	// return 0
	//solution:end
}

// Kill stops this peer: every goroutine it started exits, and Kill returns
// only after its proposers have. Handlers called after Kill do nothing.
func (px *Paxos) Kill() {
	if atomic.SwapInt32(&px.dead, 1) == 1 {
		return
	}
	//solution:begin A
	// Start checks killed and adds its proposer to wg under mu: closing
	// killCh under mu orders every such Add before the Wait below (an Add
	// racing with Wait is a WaitGroup misuse: Wait could return before
	// that proposer ends, and the race detector reports it).
	px.mu.Lock()
	close(px.killCh)
	px.mu.Unlock()
	// Proposers notice killCh in every wait; RPCs still in flight are not
	// waited for: their goroutines only post to a buffered channel and end
	// as soon as the network answers or is cleaned up.
	px.wg.Wait()
	//solution:end
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for your handlers and proposers (A)
//solution:end

func (px *Paxos) killed() bool {
	return atomic.LoadInt32(&px.dead) == 1
}

// retained reports how many instances this peer keeps state for. The
// memory tests read it instead of the whole heap, so they measure exactly
// what the forgetting rule frees: after Min has passed them, an instance's
// state (and its value) must be gone.
func (px *Paxos) retained() int {
	//solution:begin A
	px.mu.Lock()
	defer px.mu.Unlock()
	return len(px.instances)
	//solution:stub
	// // Count the instances you keep state for (A).
	// return 0
	//solution:end
}
