package surfstore

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"
)

// The MetaStore calls of a raft server: only the leader answers them, from
// the MetaStore its committed log built (UpdateFile is in raft_leader.go).
// A new leader's map holds what it knows is committed: everything once the
// no-op SetLeader appended is on a majority (its first heartbeat or update
// that reaches one), and before that what its predecessor reported.

// GetFileInfoMap returns the leader's file map.
func (s *RaftSurfstore) GetFileInfoMap(ctx context.Context, e *emptypb.Empty) (*FileInfoMap, error) {
	//solution:begin S3
	if err := s.checkLeader(); err != nil {
		return nil, err
	}
	return s.metaStore.GetFileInfoMap(ctx, e)
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrNotLeader
	//solution:end
}

// GetBlockStoreMap groups the given block hashes by the block store
// responsible for each, on the leader.
func (s *RaftSurfstore) GetBlockStoreMap(ctx context.Context, hashes *BlockHashes) (*BlockStoreMap, error) {
	//solution:begin S3
	if err := s.checkLeader(); err != nil {
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
	if err := s.checkLeader(); err != nil {
		return nil, err
	}
	return s.metaStore.GetBlockStoreAddrs(ctx, e)
	//solution:stub
	// // Your code here (S3).
	// return nil, ErrNotLeader
	//solution:end
}

//solution:begin S3

// checkLeader is leaderErr under the lock.
func (s *RaftSurfstore) checkLeader() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.leaderErr()
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
