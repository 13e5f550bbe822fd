//solution:file A

package coord

import (
	"bytes"
	"fmt"

	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

// Snapshot once the Raft state reaches this fraction of maxraftstate,
// leaving headroom for the entries that arrive while Raft trims its log.
const (
	snapshotNumerator   = 9
	snapshotDenominator = 10
)

// snapshotState is what a snapshot holds: the whole state machine
// (sessions and their duplicate tables and event queues included) and
// the index it reflects.
type snapshotState struct {
	LastApplied int
	State       *tree
}

// snapshotIfNeeded returns an encoded snapshot if the Raft state has
// grown near maxraftstate, else nil; s.mu must be held.
func (s *Server) snapshotIfNeeded() []byte {
	if s.maxraftstate < 0 ||
		s.persister.RaftStateSize()*snapshotDenominator < s.maxraftstate*snapshotNumerator {
		return nil
	}
	var buf bytes.Buffer
	if err := labgob.NewEncoder(&buf).Encode(snapshotState{LastApplied: s.lastApplied, State: s.state}); err != nil {
		// Encoding maps, slices and integers cannot fail.
		panic(fmt.Sprintf("coord %d: encode snapshot: %v", s.me, err))
	}
	return buf.Bytes()
}

// restoreSnapshot replaces the state machine with a snapshot's; an empty
// snapshot leaves it unchanged. s.mu must be held or the server not yet
// started.
func (s *Server) restoreSnapshot(data []byte) {
	if len(data) == 0 {
		return
	}
	var st snapshotState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		// Only this package writes snapshots: a bad one is a bug.
		panic(fmt.Sprintf("coord %d: decode snapshot (%d bytes): %v", s.me, len(data), err))
	}
	s.lastApplied = st.LastApplied
	s.state = st.State
	s.state.fillMaps()
}

// installSnapshot handles a snapshot Raft received from the leader.
func (s *Server) installSnapshot(msg raft.ApplyMsg) {
	if !s.rf.CondInstallSnapshot(msg.SnapshotTerm, msg.SnapshotIndex, msg.Snapshot) {
		return
	}
	s.mu.Lock()
	if msg.SnapshotIndex <= s.lastApplied {
		s.mu.Unlock()
		return
	}
	s.restoreSnapshot(msg.Snapshot)
	s.lastApplied = msg.SnapshotIndex
	ws := s.takeWaitersThrough(msg.SnapshotIndex)
	s.mu.Unlock()
	for _, w := range ws {
		w.ch <- OpReply{Err: ErrWrongLeader}
	}
}

// fillMaps restores the empty maps gob leaves out of a decoded tree.
func (t *tree) fillMaps() {
	if t.Sessions == nil {
		t.Sessions = map[int64]*session{}
	}
	if t.Ended == nil {
		t.Ended = map[int64]Err{}
	}
	if t.DataWatches == nil {
		t.DataWatches = map[string][]watch{}
	}
	if t.ChildWatches == nil {
		t.ChildWatches = map[string][]watch{}
	}
	for _, n := range t.Nodes {
		if n.Kids == nil {
			n.Kids = map[string]bool{}
		}
	}
	for _, s := range t.Sessions {
		if s.Ephemerals == nil {
			s.Ephemerals = map[string]bool{}
		}
	}
}
