package surfstore

import (
	"context"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The MetaStore calls of a raft server: only the leader answers them, from
// the MetaStore its committed log built (UpdateFile is in raft_leader.go),
// and only once a round of AppendEntries has reached a majority, the
// leader included: like every operation, a read involves a majority (the
// course: "if a majority of the nodes are crashed, should block until a
// majority recover"). That round also commits the no-op SetLeader
// appended, so a new leader's map holds every committed update when it
// answers.

// GetFileInfoMap returns the leader's file map once a majority has
// answered it (waiting while none does).
func (s *RaftSurfstore) GetFileInfoMap(ctx context.Context, e *emptypb.Empty) (*FileInfoMap, error) {
	//solution:begin S3
	if err := s.confirmMajority(ctx); err != nil {
		return nil, err
	}
	return s.metaStore.GetFileInfoMap(ctx, e)
	//solution:stub
	// // Your code here (S3): the leader answers once a majority is
	// // reachable (like UpdateFile, wait and retry until ctx is done).
	// return nil, ErrNotLeader
	//solution:end
}

// GetBlockStoreMap groups the given block hashes by the block store
// responsible for each, on the leader.
func (s *RaftSurfstore) GetBlockStoreMap(ctx context.Context, hashes *BlockHashes) (*BlockStoreMap, error) {
	//solution:begin S3
	if err := s.confirmMajority(ctx); err != nil {
		return nil, err
	}
	return s.metaStore.GetBlockStoreMap(ctx, hashes)
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrNotLeader
	//solution:end
}

// GetBlockStoreAddrs returns the block stores' addresses, on the leader.
func (s *RaftSurfstore) GetBlockStoreAddrs(ctx context.Context, e *emptypb.Empty) (*BlockStoreAddrs, error) {
	//solution:begin S3
	if err := s.confirmMajority(ctx); err != nil {
		return nil, err
	}
	return s.metaStore.GetBlockStoreAddrs(ctx, e)
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrNotLeader
	//solution:end
}

//solution:begin S3

// confirmMajority returns nil once a replication round of the leader has
// reached a majority (counting itself) and it is still the leader of that
// term. While no majority answers it tries again every retryInterval,
// until the caller's deadline or until the server crashes, stops leading
// or stops.
func (s *RaftSurfstore) confirmMajority(ctx context.Context) error {
	for {
		s.mu.Lock()
		if err := s.leaderErr(); err != nil {
			s.mu.Unlock()
			return err
		}
		term, n := s.term, len(s.peers)+1
		s.mu.Unlock()
		acked := s.replicateRound(ctx, term, -1)
		s.mu.Lock()
		err := s.leaderErr()
		if err == nil && s.term != term {
			err = ErrNotLeader
		}
		s.mu.Unlock()
		if err != nil {
			return err
		}
		if 2*(acked+1) > n {
			return nil
		}
		t := time.NewTimer(retryInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return status.FromContextError(ctx.Err()).Err()
		case <-s.done:
			t.Stop()
			return errStopped
		}
	}
}

//solution:end

// metaService serves a RaftSurfstore as the MetaStore gRPC service, which
// is what the sync client speaks to every address in RaftAddrs.
type metaService struct {
	UnimplementedMetaStoreServer
	raft *RaftSurfstore
}

// GetFileInfoMap is RaftSurfstore.GetFileInfoMap.
func (m metaService) GetFileInfoMap(ctx context.Context, e *emptypb.Empty) (*FileInfoMap, error) {
	return m.raft.GetFileInfoMap(ctx, e)
}

// UpdateFile is RaftSurfstore.UpdateFile.
func (m metaService) UpdateFile(ctx context.Context, meta *FileMetaData) (*Version, error) {
	return m.raft.UpdateFile(ctx, meta)
}

// GetBlockStoreMap is RaftSurfstore.GetBlockStoreMap.
func (m metaService) GetBlockStoreMap(ctx context.Context, hashes *BlockHashes) (*BlockStoreMap, error) {
	return m.raft.GetBlockStoreMap(ctx, hashes)
}

// GetBlockStoreAddrs is RaftSurfstore.GetBlockStoreAddrs.
func (m metaService) GetBlockStoreAddrs(ctx context.Context, e *emptypb.Empty) (*BlockStoreAddrs, error) {
	return m.raft.GetBlockStoreAddrs(ctx, e)
}
