package raft

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
)

// ApplyMsg is what a peer sends on applyCh for each newly committed entry
// (CommandValid true) or for a snapshot received from the leader
// (SnapshotValid true). Messages arrive in log order.
type ApplyMsg struct {
	CommandValid bool
	Command      interface{}
	CommandIndex int

	SnapshotValid bool
	Snapshot      []byte
	SnapshotTerm  int
	SnapshotIndex int
}

//solution:begin 2A

// Timing. Heartbeats at 10/s respect the harness's limit; the election
// timeout is several heartbeat intervals so a few lost heartbeats do not
// start an election, and randomized over a range as wide as its minimum so
// split votes resolve within one or two rounds (§5.2). A leader must appear
// within 5 s of a failure; these values elect one in well under 1 s.
const (
	heartbeatInterval  = 100 * time.Millisecond
	electionTimeoutMin = 300 * time.Millisecond
	electionTimeoutMax = 600 * time.Millisecond
)

type role int

const (
	follower role = iota
	candidate
	leader
)

//solution:end

// Raft is one peer of a Raft cluster.
type Raft struct {
	mu        sync.Mutex          // guards every field below
	peers     []*labrpc.ClientEnd // RPC end points of all peers, peers[me] included
	persister *Persister          // this peer's stable storage
	me        int                 // this peer's index into peers[]
	dead      int32               // set by Kill()

	//solution:begin 2C
	logEnc logEncoding // persist's encoding of the log (persist.go); guarded by mu
	//solution:end

	//solution:begin 2A
	applyCh chan ApplyMsg
	rng     *rand.Rand // election timeouts; only used under mu

	role        role
	currentTerm int // persistent
	votedFor    int // persistent; -1 for none

	// log[0] is a sentinel standing for the last entry covered by the
	// snapshot (index snapIndex, term log[0].Term); log[i] has index
	// snapIndex+i. Without a snapshot snapIndex is 0 and log[0] has term 0.
	log       []LogEntry // persistent
	snapIndex int        // persistent
	snapshot  []byte     // persistent (in the Persister's snapshot slot)

	commitIndex int
	lastApplied int // last index handed to applyCh (by the applier goroutine)

	nextIndex  []int // leader only
	matchIndex []int // leader only

	electionDeadline time.Time
	noted            noted // what noteState last recorded (note.go)

	// Replication plumbing: trigger[p] wakes peer p's replicator; inflight
	// counts outstanding AppendEntries/InstallSnapshot RPCs to p, and
	// pending remembers a trigger that arrived while one was outstanding,
	// so a burst of Start calls costs one RPC per round trip, not one each.
	trigger  []chan struct{}
	inflight []int
	pending  []bool

	// A snapshot from the leader waiting to be delivered on applyCh before
	// any later command.
	pendingSnap      bool
	pendingSnapIndex int
	pendingSnapTerm  int
	pendingSnapData  []byte

	applyCond *sync.Cond    // signalled when commitIndex or pendingSnap change
	killCh    chan struct{} // closed by Kill
	wg        sync.WaitGroup
	//solution:stub
	// // Your data here (2A, 2B, 2C, 2D).
	// // Figure 2 of the paper lists the state a Raft server must maintain.
	//
	// rng *rand.Rand // seeded by the test (rand.go); draw only while holding mu
	//solution:end
}

// GetState returns currentTerm and whether this peer believes it is the
// leader.
func (rf *Raft) GetState() (int, bool) {
	//solution:begin 2A
	rf.mu.Lock()
	defer rf.mu.Unlock()
	return rf.currentTerm, rf.role == leader
	//solution:stub
	// return 0, false
	//solution:end
}

// Start proposes command for the log. If this peer is the leader it appends
// the entry and returns its index, the current term and true; otherwise it
// returns false. It never waits for the entry to commit, and the entry may
// never commit if leadership is lost.
func (rf *Raft) Start(command interface{}) (int, int, bool) {
	//solution:begin 2B
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if rf.role != leader || rf.killed() {
		return -1, rf.currentTerm, false
	}
	rf.log = append(rf.log, LogEntry{Term: rf.currentTerm, Command: command})
	rf.persist()
	index := rf.lastLogIndex()
	rf.matchIndex[rf.me] = index
	rf.noteState()
	rf.advanceCommit() // a single-peer cluster commits at once
	rf.triggerAll()
	return index, rf.currentTerm, true
	//solution:stub
	// return -1, -1, false
	//solution:end
}

// Kill stops this peer: its goroutines exit promptly and, once Kill returns,
// nothing more is sent on applyCh. The harness calls it on a crash and at
// the end of each test.
func (rf *Raft) Kill() {
	if atomic.SwapInt32(&rf.dead, 1) == 1 {
		return
	}
	//solution:begin 2A
	rf.mu.Lock()
	close(rf.killCh)
	rf.applyCond.Broadcast()
	rf.mu.Unlock()
	// Wait for the long-lived goroutines (ticker, replicators, applier) so
	// no ApplyMsg can be sent after Kill returns. RPCs in flight are not
	// waited for: they end when the network answers or is cleaned up, and
	// then they only look at state under the lock and return.
	rf.wg.Wait()
	//solution:end
}

func (rf *Raft) killed() bool {
	return atomic.LoadInt32(&rf.dead) == 1
}

//solution:begin 2A
//solution:stub
// // ticker runs this peer's elections (2A). Make starts it; it returns once
// // Kill has been called.
// func (rf *Raft) ticker() {
// 	for !rf.killed() {
// 		// Your code here (2A): start an election if this peer has heard
// 		// neither from a leader nor from a candidate it voted for within
// 		// the election timeout.
//
// 		// Draw every random choice (timeouts included) from rf.rng, never
// 		// from math/rand's global functions: rf.rng is seeded from the
// 		// test's -seed (see rand.go), so the replay command a failing test
// 		// prints reproduces your run. rf.rng is not safe for concurrent
// 		// use: draw from it only while holding rf.mu.
// 		rf.mu.Lock()
// 		pause := time.Duration(50+rf.rng.IntN(300)) * time.Millisecond
// 		rf.mu.Unlock()
// 		time.Sleep(pause)
// 	}
// }
//solution:end

// Make creates a Raft peer. peers holds the ends of all peers (this one at
// index me); persister holds the state saved before a crash, if any;
// applyCh receives committed commands and snapshots. Make returns at once
// and does its work in goroutines that Kill stops.
func Make(peers []*labrpc.ClientEnd, me int,
	persister *Persister, applyCh chan ApplyMsg) *Raft {
	rf := &Raft{peers: peers, persister: persister, me: me}
	//solution:begin 2A
	if rf.persister == nil {
		rf.persister = MakePersister()
	}
	rf.applyCh = applyCh
	rf.rng = newPeerRand(me, peers)
	rf.votedFor = -1
	rf.log = []LogEntry{{Term: 0}}
	rf.applyCond = sync.NewCond(&rf.mu)
	rf.killCh = make(chan struct{})
	n := len(peers)
	rf.nextIndex = make([]int, n)
	rf.matchIndex = make([]int, n)
	rf.trigger = make([]chan struct{}, n)
	rf.inflight = make([]int, n)
	rf.pending = make([]bool, n)
	for p := range rf.trigger {
		rf.trigger[p] = make(chan struct{}, 1)
	}

	rf.readPersist(rf.persister.ReadRaftState())
	rf.snapshot = rf.persister.ReadSnapshot()
	// The service restores its own state from the snapshot, so everything
	// the snapshot covers counts as applied.
	rf.commitIndex = rf.snapIndex
	rf.lastApplied = rf.snapIndex
	rf.resetElectionTimer()
	rf.noteState()

	rf.wg.Add(1)
	go rf.ticker()
	// Heartbeats (2A) and replication (2B) share the replicators
	// (replication.go).
	for p := range peers {
		if p != me {
			rf.wg.Add(1)
			go rf.replicator(p)
		}
	}
	//solution:stub
	// rf.rng = newPeerRand(me, peers)
	//
	// // Your initialization code here (2A, 2B, 2C): restore the persisted
	// // state, then start the goroutines that run elections, heartbeats,
	// // replication and the applier. Kill must stop them all.
	// rf.readPersist(persister.ReadRaftState())
	// go rf.ticker()
	//solution:end
	//solution:begin 2B
	rf.wg.Add(1)
	go rf.applier()
	//solution:end
	return rf
}
