package surfstore

import (
	"context"
	"sort"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// BlockStore keeps blocks in memory, each under the hex SHA-256 of its
// bytes. It is safe for concurrent use (gRPC calls its methods from many
// goroutines).
type BlockStore struct {
	UnimplementedBlockStoreServer

	//solution:begin S1
	mu     sync.Mutex
	blocks map[string][]byte // hash -> bytes
	//solution:stub
	// // Your fields here (S1).
	//solution:end
}

// NewBlockStore returns an empty BlockStore.
func NewBlockStore() *BlockStore {
	//solution:begin S1
	return &BlockStore{blocks: map[string][]byte{}}
	//solution:stub
	// // Your code here (S1).
	// return &BlockStore{}
	//solution:end
}

// GetBlock returns the block stored under blockHash, or a NotFound error.
func (bs *BlockStore) GetBlock(ctx context.Context, blockHash *BlockHash) (*Block, error) {
	//solution:begin S1
	bs.mu.Lock()
	data, ok := bs.blocks[blockHash.GetHash()]
	bs.mu.Unlock()
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no block %.70q", blockHash.GetHash())
	}
	// Stored bytes are never modified, so the reply may share them.
	return &Block{BlockData: data, BlockSize: int32(len(data))}, nil
	//solution:stub
	// // Your code here (S1).
	// return &Block{}, nil
	//solution:end
}

// PutBlock stores block under the SHA-256 of its bytes. The course's Block
// carries no hash, so the store computes it: the key is always the true
// hash, and a later GetBlock returns exactly these bytes. A block whose
// blockSize disagrees with its data, or larger than MaxBlockSize, is
// refused with InvalidArgument.
func (bs *BlockStore) PutBlock(ctx context.Context, block *Block) (*Success, error) {
	//solution:begin S1
	data := block.GetBlockData()
	if len(data) > MaxBlockSize {
		return nil, status.Errorf(codes.InvalidArgument, "block of %d bytes, more than %d", len(data), MaxBlockSize)
	}
	if int(block.GetBlockSize()) != len(data) {
		return nil, status.Errorf(codes.InvalidArgument, "blockSize %d but %d bytes of data", block.GetBlockSize(), len(data))
	}
	hash := GetBlockHashString(data)
	// The message's buffer belongs to the caller (and to gRPC); keep a copy.
	own := append([]byte(nil), data...)
	bs.mu.Lock()
	if _, ok := bs.blocks[hash]; !ok {
		bs.blocks[hash] = own
	}
	bs.mu.Unlock()
	return &Success{Flag: true}, nil
	//solution:stub
	// // Your code here (S1).
	// return &Success{}, nil
	//solution:end
}

// MissingBlocks returns, in the order given, the hashes of blockHashesIn
// that the store does not hold (each once).
func (bs *BlockStore) MissingBlocks(ctx context.Context, blockHashesIn *BlockHashes) (*BlockHashes, error) {
	//solution:begin S1
	out := &BlockHashes{}
	seen := map[string]bool{}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	for _, h := range blockHashesIn.GetHashes() {
		if _, ok := bs.blocks[h]; !ok && !seen[h] {
			seen[h] = true
			out.Hashes = append(out.Hashes, h)
		}
	}
	return out, nil
	//solution:stub
	// // Your code here (S1).
	// return &BlockHashes{}, nil
	//solution:end
}

// GetBlockHashes returns the hashes of every stored block, sorted.
func (bs *BlockStore) GetBlockHashes(ctx context.Context, _ *emptypb.Empty) (*BlockHashes, error) {
	//solution:begin S1
	bs.mu.Lock()
	out := &BlockHashes{Hashes: make([]string, 0, len(bs.blocks))}
	for h := range bs.blocks {
		out.Hashes = append(out.Hashes, h)
	}
	bs.mu.Unlock()
	sort.Strings(out.Hashes)
	return out, nil
	//solution:stub
	// // Your code here (S1).
	// return &BlockHashes{}, nil
	//solution:end
}

var _ BlockStoreInterface = (*BlockStore)(nil)
