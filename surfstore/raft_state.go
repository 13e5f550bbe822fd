package surfstore

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The errors a raft server answers with. Both carry codes.Unavailable, so a
// client treats them as "try another server" (it looks for the leader among
// RaftAddrs); the texts are the course's.
var (
	// ErrNotLeader is the answer of a follower to a MetaStore call, to
	// UpdateFile and to SendHeartbeat.
	ErrNotLeader = status.Error(codes.Unavailable, "server is not the leader")
	// ErrServerCrashed is the answer of a crashed server to every call but
	// the test hooks Crash, Restore, MakeServerUnreachableFrom and
	// GetInternalState.
	ErrServerCrashed = status.Error(codes.Unavailable, "server is crashed")
)

//solution:begin S3

// errUnreachable is what a server answers an AppendEntries from a peer it
// was cut off from with MakeServerUnreachableFrom.
var errUnreachable = status.Error(codes.Unavailable, "server is unreachable from the sender")

// errStopped is the answer to a call still waiting when the server stops.
var errStopped = status.Error(codes.Unavailable, "server is stopping")

// peer is the leader-side view of one other server. A peer's send token
// lets one replication exchange at a time talk to it, so two UpdateFile
// calls and a heartbeat never race on its nextIndex; it is a channel, not a
// mutex, because it is held across the RPC and acquired with a deadline.
type peer struct {
	id     int64
	addr   string
	client RaftSurfstoreClient
	conn   *grpc.ClientConn
	send   chan struct{} // send token, capacity 1

	// nextIndex and matchIndex are Figure 2's, guarded by RaftSurfstore.mu.
	nextIndex  int64
	matchIndex int64
}

// waiter is an UpdateFile call on the leader waiting for its entry to be
// applied. It learns the outcome once: the applied result, or an error when
// the server stops being the leader, crashes or stops, or the entry is
// overwritten.
type waiter struct {
	term   int64
	result chan updateResult // capacity 1
}

// updateResult is the outcome of one UpdateFile.
type updateResult struct {
	version int32
	err     error
}

// raftState is the replicated state machine's part of a RaftSurfstore,
// guarded by RaftSurfstore.mu. Log indices count from 0 as in the course:
// commitIndex and lastApplied are -1 before the first entry, and an
// AppendEntries for the start of the log has PrevLogIndex -1.
type raftState struct {
	status      ServerStatus // FOLLOWER or LEADER; crashed is separate
	crashed     bool
	term        int64
	log         []*UpdateOperation
	commitIndex int64
	lastApplied int64

	// unreachableFrom holds the peers this server neither sends to nor
	// accepts AppendEntries from (MakeServerUnreachableFrom).
	unreachableFrom map[int64]bool
	// waiters are the UpdateFile calls waiting, by log index.
	waiters map[int64]*waiter
}

// isLeader reports whether the server may act as leader now.
func (st *raftState) isLeader() bool { return !st.crashed && st.status == ServerStatus_LEADER }

// lastIndex is the index of the last log entry (-1 for an empty log).
func (st *raftState) lastIndex() int64 { return int64(len(st.log)) - 1 }

// termAt is the term of the entry at index i, 0 for index -1 (before the
// log). i must be in [-1, lastIndex()].
func (st *raftState) termAt(i int64) int64 {
	if i < 0 {
		return 0
	}
	return st.log[i].Term
}

// failWaiters ends every waiting UpdateFile with err: the caller does not
// learn whether its entry will commit, as in any Raft when a leader loses
// its office.
func (st *raftState) failWaiters(err error) {
	for i, w := range st.waiters {
		w.result <- updateResult{version: -1, err: err}
		delete(st.waiters, i)
	}
}

// failWaitersFrom ends the waiters of entries at index from and later,
// which a new leader's log is overwriting.
func (st *raftState) failWaitersFrom(from int64) {
	for i, w := range st.waiters {
		if i >= from {
			w.result <- updateResult{version: -1, err: ErrNotLeader}
			delete(st.waiters, i)
		}
	}
}

// stepDown makes the server a follower of term (at least its own).
func (st *raftState) stepDown(term int64) {
	if term > st.term {
		st.term = term
	}
	if st.status == ServerStatus_LEADER {
		st.status = ServerStatus_FOLLOWER
		st.failWaiters(ErrNotLeader)
	}
}

//solution:end
