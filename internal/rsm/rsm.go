//solution:file 4A

// Package rsm turns a replica group's log into a replicated state machine,
// for the controller (shardctrler) and the sharded store (shardkv) of lab 4,
// and for the 2015 lab 4 on Paxos (paxos/shardmaster, paxos/shardkv). It
// sits at the module root so that both trees can import it.
//
// The group's log sits behind Log, a small interface that *raft.Raft
// satisfies as it is; PaxosLog (paxoslog.go) is the adapter for groups on
// Paxos, which turns instances into an ordered log (holes filled by no-ops)
// and delivers raft.ApplyMsg values the same way. Above the log, an RSM wraps every
// command with the proposing server's identity, runs the applier goroutine
// that feeds committed commands to the StateMachine in log order, wakes the
// request that proposed each one, and snapshots when the log state nears
// maxraftstate.
//
// The package is reference design: the handout drops it, and students
// write this plumbing into their servers, as in the 6.824 skeleton.
package rsm

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

// Log is a replica's handle on its group's replicated log.
type Log interface {
	// Start proposes command; it returns the index the command will have
	// if it commits, the current term, and whether this replica leads.
	Start(command interface{}) (index int, term int, isLeader bool)
	// GetState returns the current term and whether this replica leads.
	GetState() (term int, isLeader bool)
	// Snapshot tells the log that the state machine reflects every entry
	// through index, so the log may discard them.
	Snapshot(index int, snapshot []byte)
}

// The Raft implementation of Log is the Raft peer itself.
var _ Log = (*raft.Raft)(nil)

// StateMachine is the service a group replicates. The RSM calls its
// methods from one goroutine, in log order; the machine guards its own state
// against its RPC handlers.
type StateMachine interface {
	// Apply executes one committed command and returns its result.
	Apply(command interface{}) interface{}
	// Snapshot encodes the whole state.
	Snapshot() []byte
	// Restore replaces the state with a decoded Snapshot.
	Restore(data []byte)
}

// Timing of a request waiting for its entry to be applied.
const (
	// leaderCheckInterval is how often a waiting request asks the log
	// whether this replica still leads in the term it proposed in.
	leaderCheckInterval = 50 * time.Millisecond
	// maxApplyWait bounds the wait: a leader cut off in a minority keeps
	// its term and still believes it leads, so only a bound sends the
	// client on to a replica that can make progress.
	maxApplyWait = 1 * time.Second
)

// Snapshot once the log state reaches this fraction of maxraftstate,
// leaving headroom for the entries that arrive while the log is trimmed.
const (
	snapshotNumerator   = 9
	snapshotDenominator = 10
)

// Entry is what an RSM puts in the log: the command with the identity of
// the request that proposed it. Exported for gob.
type Entry struct {
	ID      int64 // unique per proposal; tells a request its own entry from another's
	Command interface{}
}

// snapshotState wraps the machine's snapshot with the index it reflects.
type snapshotState struct {
	LastApplied int
	Machine     []byte
}

// RSM is one replica's state-machine plumbing.
type RSM struct {
	mu           sync.Mutex
	me           int
	log          Log
	applyCh      <-chan raft.ApplyMsg
	sm           StateMachine
	maxraftstate int
	logSize      func() int // bytes of persisted log state
	done         chan struct{}

	nextID      int64 // next proposal id; random base per incarnation
	lastApplied int
	waiters     map[int][]*waiter
}

// A waiter is a request waiting for its entry at index.
type waiter struct {
	id    int64
	index int
	ch    chan result // buffered: the applier never blocks on it
}

type result struct {
	ok    bool
	value interface{}
}

func init() {
	labgob.Register(Entry{})
}

// New returns the RSM of replica me: it restores the machine from snapshot
// (the persisted one, possibly empty) and starts the applier, which runs
// until Kill. maxraftstate < 0 disables snapshots; logSize reports the size
// of the persisted log state.
func New(me int, log Log, applyCh <-chan raft.ApplyMsg, sm StateMachine, maxraftstate int, logSize func() int, snapshot []byte) *RSM {
	r := &RSM{
		me:           me,
		log:          log,
		applyCh:      applyCh,
		sm:           sm,
		maxraftstate: maxraftstate,
		logSize:      logSize,
		done:         make(chan struct{}),
		nextID:       randomBase(),
		waiters:      make(map[int][]*waiter),
	}
	r.restore(snapshot)
	go r.applier()
	return r
}

// randomBase returns a random starting point for proposal ids, so that a
// restarted replica cannot mistake an entry of its previous incarnation for
// its own.
func randomBase() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("rsm: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

// IsLeader reports whether this replica believes it leads its group.
func (r *RSM) IsLeader() bool {
	_, isLeader := r.log.GetState()
	return isLeader
}

// Term returns the log's current term and whether this replica leads.
func (r *RSM) Term() (int, bool) {
	return r.log.GetState()
}

// Submit proposes command and waits until it is applied. It returns the
// machine's result and true, or false if this replica does not lead, lost
// leadership, saw another command take the index, gave up after
// maxApplyWait, or was killed; the caller then answers "wrong leader" and
// the client retries elsewhere. The RSM's lock is never held while calling
// the log: the log's apply path may be waiting for the applier.
func (r *RSM) Submit(command interface{}) (interface{}, bool) {
	select {
	case <-r.done:
		return nil, false
	default:
	}
	r.mu.Lock()
	r.nextID++
	id := r.nextID
	r.mu.Unlock()
	index, term, isLeader := r.log.Start(Entry{ID: id, Command: command})
	if !isLeader {
		return nil, false
	}
	w := &waiter{id: id, index: index, ch: make(chan result, 1)}
	r.mu.Lock()
	if r.lastApplied >= index {
		// Applied (or covered by a snapshot) before we registered: we
		// cannot tell whether it was ours. The client retries.
		r.mu.Unlock()
		return nil, false
	}
	r.waiters[index] = append(r.waiters[index], w)
	r.mu.Unlock()
	defer r.dropWaiter(w)

	deadline := time.Now().Add(maxApplyWait)
	tick := time.NewTicker(leaderCheckInterval)
	defer tick.Stop()
	for {
		select {
		case res := <-w.ch:
			return res.value, res.ok
		case <-r.done:
			return nil, false
		case <-tick.C:
			if cur, still := r.log.GetState(); cur != term || !still || time.Now().After(deadline) {
				return nil, false
			}
		}
	}
}

// dropWaiter unregisters w if the applier has not taken it.
func (r *RSM) dropWaiter(w *waiter) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ws := r.waiters[w.index]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(r.waiters, w.index)
	} else {
		r.waiters[w.index] = ws
	}
}

// Kill stops the applier and fails every waiting request. Kill the log
// first: it may be blocked delivering to the applier.
func (r *RSM) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.done:
	default:
		close(r.done)
	}
}

// applier feeds committed entries to the machine until Kill.
func (r *RSM) applier() {
	for {
		select {
		case <-r.done:
			return
		case msg := <-r.applyCh:
			switch {
			case msg.CommandValid:
				r.applyCommand(msg)
			case msg.SnapshotValid:
				r.installSnapshot(msg)
			}
		}
	}
}

// applyCommand applies one entry, wakes the requests waiting on its index,
// and snapshots if the log state has grown too large.
func (r *RSM) applyCommand(msg raft.ApplyMsg) {
	r.mu.Lock()
	if msg.CommandIndex <= r.lastApplied {
		// Covered by a snapshot already installed.
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()

	// Only this goroutine changes lastApplied, so the machine can run
	// without r.mu (its methods take the machine's own lock).
	e, isEntry := msg.Command.(Entry)
	var value interface{}
	if isEntry {
		value = r.sm.Apply(e.Command)
	}
	var snapshot []byte
	if r.maxraftstate >= 0 && r.logSize()*snapshotDenominator >= r.maxraftstate*snapshotNumerator {
		snapshot = r.encode(msg.CommandIndex)
	}

	r.mu.Lock()
	r.lastApplied = msg.CommandIndex
	ws := r.waiters[msg.CommandIndex]
	delete(r.waiters, msg.CommandIndex)
	r.mu.Unlock()
	for _, w := range ws {
		// Another entry at the index means the request's own was
		// overwritten by a later leader.
		w.ch <- result{ok: isEntry && w.id == e.ID, value: value}
	}
	if snapshot != nil {
		r.log.Snapshot(msg.CommandIndex, snapshot)
	}
}

// encode returns a snapshot of the machine as of index.
func (r *RSM) encode(index int) []byte {
	var buf bytes.Buffer
	if err := labgob.NewEncoder(&buf).Encode(snapshotState{LastApplied: index, Machine: r.sm.Snapshot()}); err != nil {
		// Encoding an int and a byte slice cannot fail.
		panic(fmt.Sprintf("rsm %d: encode snapshot: %v", r.me, err))
	}
	return buf.Bytes()
}

// restore loads a snapshot; an empty one leaves the machine as it is.
func (r *RSM) restore(data []byte) {
	if len(data) == 0 {
		return
	}
	var st snapshotState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		// Only encode writes snapshots: a bad one is a bug, not input.
		panic(fmt.Sprintf("rsm %d: decode snapshot (%d bytes): %v", r.me, len(data), err))
	}
	r.sm.Restore(st.Machine)
	r.mu.Lock()
	r.lastApplied = st.LastApplied
	r.mu.Unlock()
}

// installSnapshot handles a snapshot the log received from the leader: it
// replaces the machine if the snapshot is newer, and fails the requests
// waiting on the indices it covers (they retry; duplicates are filtered).
func (r *RSM) installSnapshot(msg raft.ApplyMsg) {
	r.mu.Lock()
	stale := msg.SnapshotIndex <= r.lastApplied
	r.mu.Unlock()
	if stale {
		return
	}
	r.restore(msg.Snapshot)
	r.mu.Lock()
	r.lastApplied = msg.SnapshotIndex
	var ws []*waiter
	for i, list := range r.waiters {
		if i <= msg.SnapshotIndex {
			ws = append(ws, list...)
			delete(r.waiters, i)
		}
	}
	r.mu.Unlock()
	for _, w := range ws {
		w.ch <- result{}
	}
}
