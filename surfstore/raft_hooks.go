package surfstore

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/emptypb"
)

// The test hooks of the course's RaftSurfstore service. They answer even
// while the server is crashed, since the test drives crashes through them.

// Crash makes the server crashed: it keeps its log, term and MetaStore but
// answers every other call with ErrServerCrashed until Restore. An
// UpdateFile waiting on it fails with ErrServerCrashed.
func (s *RaftSurfstore) Crash(ctx context.Context, _ *emptypb.Empty) (*Success, error) {
	//solution:begin S3
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crashed = true
	s.debugf("crashed")
	s.status = ServerStatus_FOLLOWER // a restored server is a follower
	s.failWaiters(ErrServerCrashed)
	s.noteState()
	return &Success{Flag: true}, nil
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrServerCrashed
	//solution:end
}

// Restore brings a crashed server back as a follower with the state it had.
func (s *RaftSurfstore) Restore(ctx context.Context, _ *emptypb.Empty) (*Success, error) {
	//solution:begin S3
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crashed = false
	s.debugf("restored as a follower of term %d", s.term)
	s.noteState()
	return &Success{Flag: true}, nil
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrServerCrashed
	//solution:end
}

// MakeServerUnreachableFrom cuts this server off from the listed peers:
// it neither sends AppendEntries to them nor accepts theirs, in both roles.
// An empty list makes it reachable from every peer again.
func (s *RaftSurfstore) MakeServerUnreachableFrom(ctx context.Context, in *UnreachableFromServers) (*Success, error) {
	//solution:begin S3
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(in.ServerIds) == 0 {
		clear(s.unreachableFrom)
	}
	for _, id := range in.ServerIds {
		s.unreachableFrom[id] = true
	}
	return &Success{Flag: true}, nil
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrServerCrashed
	//solution:end
}

// GetInternalState reports the server's status (CRASHED while crashed),
// term, commitIndex, log and the MetaStore's file map, for tests.
func (s *RaftSurfstore) GetInternalState(ctx context.Context, _ *emptypb.Empty) (*RaftInternalState, error) {
	//solution:begin S3
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &RaftInternalState{
		Status:      s.status,
		Term:        s.term,
		CommitIndex: s.commitIndex,
		Log:         append([]*UpdateOperation(nil), s.log...),
	}
	if s.crashed {
		st.Status = ServerStatus_CRASHED
	}
	m, err := s.metaStore.GetFileInfoMap(ctx, &emptypb.Empty{})
	if err != nil {
		return nil, fmt.Errorf("read the file map: %w", err)
	}
	st.MetaMap = m
	return st, nil
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrServerCrashed
	//solution:end
}
