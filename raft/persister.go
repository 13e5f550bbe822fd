package raft

import "sync"

// Persister is the stable storage a Raft peer writes its persistent state and
// snapshot to. The test harness keeps a Persister across a simulated crash
// (it hands the restarted peer a copy), so whatever Raft saved here before
// replying to an RPC survives the crash.
//
// A zero-value Persister is ready to use: existing harnesses create it as
// &Persister{}. Every method copies the slices it takes or returns, so
// callers may reuse their buffers and can never alias the stored bytes.
type Persister struct {
	mu        sync.Mutex
	raftstate []byte
	snapshot  []byte
}

// MakePersister returns an empty Persister.
func MakePersister() *Persister {
	return &Persister{}
}

func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	c := make([]byte, len(b))
	copy(c, b)
	return c
}

// Copy returns an independent Persister holding the same state and snapshot;
// the harness uses it so a killed peer cannot overwrite its successor's data.
func (ps *Persister) Copy() *Persister {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return &Persister{raftstate: clone(ps.raftstate), snapshot: clone(ps.snapshot)}
}

// SaveRaftState replaces the Raft state and keeps the snapshot.
func (ps *Persister) SaveRaftState(state []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.raftstate = clone(state)
}

// ReadRaftState returns a copy of the saved Raft state (nil if none).
func (ps *Persister) ReadRaftState() []byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return clone(ps.raftstate)
}

// RaftStateSize returns the size in bytes of the saved Raft state; the
// harness and services use it to decide when to snapshot.
func (ps *Persister) RaftStateSize() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.raftstate)
}

// SaveStateAndSnapshot saves Raft state and snapshot as a single atomic
// action, so a crash can never leave a snapshot without the matching log.
func (ps *Persister) SaveStateAndSnapshot(state []byte, snapshot []byte) {
	ps.Save(state, snapshot)
}

// Save is the newer name for SaveStateAndSnapshot: both pieces are replaced
// atomically.
func (ps *Persister) Save(raftstate []byte, snapshot []byte) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.raftstate = clone(raftstate)
	ps.snapshot = clone(snapshot)
}

// ReadSnapshot returns a copy of the saved snapshot (nil if none).
func (ps *Persister) ReadSnapshot() []byte {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return clone(ps.snapshot)
}

// SnapshotSize returns the size in bytes of the saved snapshot.
func (ps *Persister) SnapshotSize() int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.snapshot)
}
