//solution:file 3A

package kvraft

import (
	"bytes"
	"fmt"

	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

//solution:begin 3B

// snapshotNumerator/snapshotDenominator: snapshot once the Raft state reaches
// this fraction of maxraftstate, leaving headroom for the entries that arrive
// while Raft trims its log.
const (
	snapshotNumerator   = 9
	snapshotDenominator = 10
)

// snapshotState is what a snapshot holds: the state machine and the
// duplicate table (without it a retried Append would apply twice after a
// restart), plus the index the state reflects.
type snapshotState struct {
	LastApplied int
	Store       map[string]string
	LastSeq     map[int64]int64
}

//solution:end

// snapshotIfNeeded returns an encoded snapshot of the state machine if the
// Raft state has grown near maxraftstate, else nil; kv.mu must be held. The
// caller hands the snapshot to Raft after releasing kv.mu.
func (kv *KVServer) snapshotIfNeeded() []byte {
	//solution:begin 3B
	if kv.maxraftstate < 0 ||
		kv.persister.RaftStateSize()*snapshotDenominator < kv.maxraftstate*snapshotNumerator {
		return nil
	}
	var buf bytes.Buffer
	st := snapshotState{LastApplied: kv.lastApplied, Store: kv.store, LastSeq: kv.lastSeq}
	if err := labgob.NewEncoder(&buf).Encode(st); err != nil {
		// Encoding maps of strings and integers cannot fail.
		panic(fmt.Sprintf("kvraft %d: encode snapshot: %v", kv.me, err))
	}
	return buf.Bytes()
	//solution:stub
	// return nil
	//solution:end
}

// restoreSnapshot replaces the state machine with the contents of a
// snapshot; an empty snapshot leaves it unchanged. kv.mu must be held or the
// server not yet started.
func (kv *KVServer) restoreSnapshot(data []byte) {
	//solution:begin 3B
	if len(data) == 0 {
		return
	}
	var st snapshotState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		// Only this package writes snapshots: a bad one is a bug, not an
		// input error.
		panic(fmt.Sprintf("kvraft %d: decode snapshot (%d bytes): %v", kv.me, len(data), err))
	}
	kv.lastApplied = st.LastApplied
	kv.store = st.Store
	kv.lastSeq = st.LastSeq
	if kv.store == nil {
		kv.store = make(map[string]string)
	}
	if kv.lastSeq == nil {
		kv.lastSeq = make(map[int64]int64)
	}
	kv.note("restored")
	//solution:end
}

// installSnapshot handles a snapshot Raft received from the leader: it
// replaces the state machine if the snapshot is newer, and fails the
// requests waiting on indices the snapshot covers (they retry; duplicates
// are filtered).
func (kv *KVServer) installSnapshot(msg raft.ApplyMsg) {
	//solution:begin 3B
	if !kv.rf.CondInstallSnapshot(msg.SnapshotTerm, msg.SnapshotIndex, msg.Snapshot) {
		return
	}
	kv.mu.Lock()
	if msg.SnapshotIndex <= kv.lastApplied {
		kv.mu.Unlock()
		return
	}
	kv.restoreSnapshot(msg.Snapshot)
	kv.lastApplied = msg.SnapshotIndex
	ws := kv.takeWaitersThrough(msg.SnapshotIndex)
	kv.mu.Unlock()
	for _, w := range ws {
		w.ch <- applyResult{err: ErrWrongLeader}
	}
	//solution:end
}

// note records the server's applied index and store size on the run's
// timeline (the "kv" row of its lane) where they change wholesale: a
// snapshot taken, installed or restored. Per operation it would crowd out
// the messages a page keeps. A no-op unless the run is recorded.
func (kv *KVServer) note(event string) {
	if kv.self.Tracing() {
		kv.self.Note(fmt.Sprintf("kv: %s applied=%d keys=%d", event, kv.lastApplied, len(kv.store)))
	}
}
