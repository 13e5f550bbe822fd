package surfstore

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"
)

// MetaStoreInterface is the MetaStore service as the course names it.
type MetaStoreInterface interface {
	// GetFileInfoMap returns every file's metadata, tombstones included.
	GetFileInfoMap(ctx context.Context, _ *emptypb.Empty) (*FileInfoMap, error)
	// UpdateFile installs fileMetaData if its version is the current + 1
	// (1 for a new file) and returns it; otherwise it returns -1.
	UpdateFile(ctx context.Context, fileMetaData *FileMetaData) (*Version, error)
	// GetBlockStoreMap groups the given hashes by responsible BlockStore.
	GetBlockStoreMap(ctx context.Context, blockHashesIn *BlockHashes) (*BlockStoreMap, error)
	// GetBlockStoreAddrs lists the BlockStore addresses.
	GetBlockStoreAddrs(ctx context.Context, _ *emptypb.Empty) (*BlockStoreAddrs, error)
}

// BlockStoreInterface is the BlockStore service as the course names it.
type BlockStoreInterface interface {
	// GetBlock returns the block with the given hash.
	GetBlock(ctx context.Context, blockHash *BlockHash) (*Block, error)
	// PutBlock stores a block under the hash of its bytes.
	PutBlock(ctx context.Context, block *Block) (*Success, error)
	// MissingBlocks returns the given hashes the store does not hold.
	MissingBlocks(ctx context.Context, blockHashesIn *BlockHashes) (*BlockHashes, error)
	// GetBlockHashes returns the hashes of every stored block.
	GetBlockHashes(ctx context.Context, _ *emptypb.Empty) (*BlockHashes, error)
}

// ClientInterface is the client side of both services, as the course's
// sync client calls them: the MetaStore calls go to the first of the
// configured MetaStore addresses that answers, the BlockStore calls to the
// given address.
type ClientInterface interface {
	// GetFileInfoMap fills serverFileInfoMap with the MetaStore's map.
	GetFileInfoMap(serverFileInfoMap *map[string]*FileMetaData) error
	// UpdateFile sends fileMetaData and sets latestVersion to the reply
	// (-1 if refused).
	UpdateFile(fileMetaData *FileMetaData, latestVersion *int32) error
	// GetBlockStoreMap fills blockStoreMap: BlockStore address -> hashes.
	GetBlockStoreMap(blockHashesIn []string, blockStoreMap *map[string][]string) error
	// GetBlockStoreAddrs fills blockStoreAddrs.
	GetBlockStoreAddrs(blockStoreAddrs *[]string) error

	// GetBlock fetches a block and checks that its bytes hash to blockHash.
	GetBlock(blockHash string, blockStoreAddr string, block *Block) error
	// PutBlock stores block and sets succ.
	PutBlock(block *Block, blockStoreAddr string, succ *bool) error
	// MissingBlocks sets blockHashesOut to the hashes the store lacks.
	MissingBlocks(blockHashesIn []string, blockStoreAddr string, blockHashesOut *[]string) error
	// GetBlockHashes sets blockHashes to every hash the store holds.
	GetBlockHashes(blockStoreAddr string, blockHashes *[]string) error
}
