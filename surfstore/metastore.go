package surfstore

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
)

// MetaStore maps file names to their metadata: a version and the list of
// block hashes. An update must carry exactly the next version (first writer
// wins); a deleted file stays as a tombstone (["0"]) whose version goes on
// counting, so a re-created file continues from it. Safe for concurrent use.
type MetaStore struct {
	UnimplementedMetaStoreServer

	//solution:begin S1
	mu    sync.Mutex
	files map[string]*FileMetaData // owned copies; replies get clones
	size  int                      // sum of mapEntrySize over files
	addrs []string
	ring  *ConsistentHashRing
	//solution:stub
	// // Your fields here (S1).
	//solution:end
}

// NewMetaStore returns an empty MetaStore whose blocks live on the
// BlockStores at blockStoreAddrs, placed by a consistent-hash ring.
func NewMetaStore(blockStoreAddrs []string) *MetaStore {
	//solution:begin S1
	return &MetaStore{
		files: map[string]*FileMetaData{},
		addrs: append([]string(nil), blockStoreAddrs...),
		ring:  NewConsistentHashRing(blockStoreAddrs),
	}
	//solution:stub
	// // Your code here (S1).
	// return &MetaStore{}
	//solution:end
}

// GetFileInfoMap returns a copy of every file's metadata.
func (m *MetaStore) GetFileInfoMap(ctx context.Context, _ *emptypb.Empty) (*FileInfoMap, error) {
	//solution:begin S1
	m.mu.Lock()
	defer m.mu.Unlock()
	out := &FileInfoMap{FileInfoMap: make(map[string]*FileMetaData, len(m.files))}
	for name, meta := range m.files {
		out.FileInfoMap[name] = proto.Clone(meta).(*FileMetaData)
	}
	return out, nil
	//solution:stub
	// // Your code here (S1).
	// return &FileInfoMap{}, nil
	//solution:end
}

// UpdateFile installs fileMetaData if its version is the stored version + 1
// (1 for a file the store has never seen) and returns that version;
// otherwise it changes nothing and returns -1. A name that is not a plain
// file name, or an oversized hash list, is refused with InvalidArgument
// (the list itself is opaque here, as in the course).
func (m *MetaStore) UpdateFile(ctx context.Context, fileMetaData *FileMetaData) (*Version, error) {
	//solution:begin S1
	if err := checkUpdate(fileMetaData); err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var current int32
	if old, ok := m.files[fileMetaData.GetFilename()]; ok {
		current = old.GetVersion()
	}
	if fileMetaData.GetVersion() != current+1 {
		return &Version{Version: -1}, nil
	}
	// The whole map must stay fetchable in one GetFileInfoMap reply; only
	// the sender of the update that would break that hears of it.
	size := m.size - mapEntrySize(m.files[fileMetaData.GetFilename()]) + mapEntrySize(fileMetaData)
	if size > MaxMetadataBytes && size > m.size {
		return nil, status.Errorf(codes.ResourceExhausted, "%q: the file map would take %d bytes, more than the %d every client must be able to fetch; delete files or use larger blocks",
			fileMetaData.GetFilename(), size, MaxMetadataBytes)
	}
	m.size = size
	m.files[fileMetaData.GetFilename()] = proto.Clone(fileMetaData).(*FileMetaData)
	return &Version{Version: fileMetaData.GetVersion()}, nil
	//solution:stub
	// // Your code here (S1).
	// return &Version{}, nil
	//solution:end
}

// GetBlockStoreMap groups blockHashesIn by the BlockStore responsible for
// each hash (the ring's choice; with one store, that store).
func (m *MetaStore) GetBlockStoreMap(ctx context.Context, blockHashesIn *BlockHashes) (*BlockStoreMap, error) {
	//solution:begin S1
	if len(blockHashesIn.GetHashes()) > MaxHashesPerFile {
		return nil, status.Errorf(codes.InvalidArgument, "%d hashes, more than %d", len(blockHashesIn.GetHashes()), MaxHashesPerFile)
	}
	out := &BlockStoreMap{BlockStoreMap: map[string]*BlockHashes{}}
	for _, h := range blockHashesIn.GetHashes() {
		var addr string
		switch len(m.addrs) {
		case 0:
			return nil, status.Error(codes.FailedPrecondition, "the MetaStore knows no BlockStore")
		case 1:
			addr = m.addrs[0] // stage 1: one store holds everything
		default:
			addr = m.ring.GetResponsibleServer(h)
		}
		if out.BlockStoreMap[addr] == nil {
			out.BlockStoreMap[addr] = &BlockHashes{}
		}
		out.BlockStoreMap[addr].Hashes = append(out.BlockStoreMap[addr].Hashes, h)
	}
	return out, nil
	//solution:stub
	// // Your code here (S1).
	// return &BlockStoreMap{}, nil
	//solution:end
}

// GetBlockStoreAddrs returns the BlockStore addresses.
func (m *MetaStore) GetBlockStoreAddrs(ctx context.Context, _ *emptypb.Empty) (*BlockStoreAddrs, error) {
	//solution:begin S1
	return &BlockStoreAddrs{BlockStoreAddrs: append([]string(nil), m.addrs...)}, nil
	//solution:stub
	// // Your code here (S1).
	// return &BlockStoreAddrs{}, nil
	//solution:end
}

// CheckFileMetaData returns nil if meta has a plain file name, a version
// ≥ 1 and a valid block hash list; a server checks every update with it
// before touching its state.
func CheckFileMetaData(meta *FileMetaData) error {
	if err := CheckFileName(meta.GetFilename()); err != nil {
		return err
	}
	if meta.GetVersion() < 1 {
		return fmt.Errorf("version %d of %q: versions start at 1", meta.GetVersion(), meta.GetFilename())
	}
	if err := checkHashList(meta.GetBlockHashList()); err != nil {
		return fmt.Errorf("%q: %w", meta.GetFilename(), err)
	}
	return nil
}

//solution:begin S1

// mapEntrySize bounds the bytes meta takes in a FileInfoMap reply: the
// map entry's key (the name, again), its value and their framing. 0 for
// nil.
func mapEntrySize(meta *FileMetaData) int {
	if meta == nil {
		return 0
	}
	n := len(meta.GetFilename())
	return proto.Size(meta) + n + 3*protowire.SizeVarint(uint64(proto.Size(meta)+n+16)) + 3
}

// maxStoredHashBytes caps one string of a stored hash list.
const maxStoredHashBytes = 256

// checkUpdate returns nil if a server may store meta: a plain file name, a
// version ≥ 1, and a hash list of bounded size. The list is opaque to the
// servers, as in the course, whose tests store nil lists and made-up
// hashes; the client checks the lists it acts on (CheckFileMetaData).
func checkUpdate(meta *FileMetaData) error {
	if err := CheckFileName(meta.GetFilename()); err != nil {
		return err
	}
	if meta.GetVersion() < 1 {
		return fmt.Errorf("version %d of %q: versions start at 1", meta.GetVersion(), meta.GetFilename())
	}
	hashes := meta.GetBlockHashList()
	if len(hashes) > MaxHashesPerFile {
		return fmt.Errorf("%q: %d block hashes, more than %d", meta.GetFilename(), len(hashes), MaxHashesPerFile)
	}
	for i, h := range hashes {
		if len(h) > maxStoredHashBytes {
			return fmt.Errorf("%q: block hash %d has %d bytes, more than %d", meta.GetFilename(), i, len(h), maxStoredHashBytes)
		}
	}
	return nil
}

//solution:end

var _ MetaStoreInterface = (*MetaStore)(nil)
