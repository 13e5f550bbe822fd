package surfstore

import (
	"context"
	"crypto/sha256"
	"path/filepath"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The names below are the ones the course's starter code gives students
// (its constants, helpers and raft interfaces). Nothing here is used by
// our own code; they exist so that a student's course code ports with the
// import sed alone instead of failing on undefined names.

// The course's constants, under its names.
const (
	DEFAULT_META_FILENAME      = DefaultMetaFilename // the local index
	TOMBSTONE_HASHVALUE        = TombstoneHash       // hash list of a deleted file
	EMPTYFILE_HASHVALUE        = EmptyFileHash       // hash list of an empty file
	DEFAULT_BLOCK_SIZE         = 4096                // the course's default BLOCKSIZE
	FILENAME_INDEX             = 0                   // column of the old text index
	VERSION_INDEX              = 1                   // column of the old text index
	HASH_LIST_INDEX            = 2                   // column of the old text index
	CONFIG_DELIMITER           = ","                 // separator of the old text index
	HASH_DELIMITER             = " "                 // separator of the old text index
	META_INIT_BY_FILENAME      = 0                   // old NewFileMetaData mode
	META_INIT_BY_PARAMS        = 1                   // old NewFileMetaData mode
	META_INIT_BY_CONFIG_STR    = 2                   // old NewFileMetaData mode
	FILE_INIT_VERSION_STR      = "1"                 // version of a new file
	FILE_INIT_VERSION          = 1                   // version of a new file
	NON_EXIST_FILE_VERSION_STR = "0"                 // version of an unknown file
	NON_EXIST_FILE_VERSION     = 0                   // version of an unknown file
	SURF_CLIENT                = "[Surfstore RPCClient]:"
	SURF_SERVER                = "[Surfstore Server]:"
	LOAD_FROM_DIR              = 0 // old loader mode
	LOAD_FROM_METAFILE         = 1 // old loader mode
)

// ErrServerCrashedUnreachable is the course's third raft error; like
// ErrNotLeader and ErrServerCrashed it is Unavailable, so a client tries
// the next server.
var ErrServerCrashedUnreachable = status.Error(codes.Unavailable, "server is crashed or unreachable")

// GetBlockHashBytes returns the SHA-256 of a block's bytes (raw, not hex).
func GetBlockHashBytes(blockData []byte) []byte {
	sum := sha256.Sum256(blockData)
	return sum[:]
}

// ConcatPath joins a base directory and a file name.
func ConcatPath(baseDir, fileDir string) string {
	return filepath.Join(baseDir, fileDir)
}

// RaftInterface is the course's name for the raft calls of a server.
type RaftInterface interface {
	// AppendEntries is Figure 2's receiver.
	AppendEntries(ctx context.Context, input *AppendEntryInput) (*AppendEntryOutput, error)
	// SetLeader makes the server leader of term+1.
	SetLeader(ctx context.Context, _ *emptypb.Empty) (*Success, error)
	// SendHeartbeat sends one round of AppendEntries.
	SendHeartbeat(ctx context.Context, _ *emptypb.Empty) (*Success, error)
}

// RaftTestingInterface is the course's name for the test hooks.
type RaftTestingInterface interface {
	// GetInternalState reports status, term, commit index, log and map.
	GetInternalState(ctx context.Context, _ *emptypb.Empty) (*RaftInternalState, error)
	// Crash makes the server refuse every call but the hooks.
	Crash(ctx context.Context, _ *emptypb.Empty) (*Success, error)
	// MakeServerUnreachableFrom cuts the server off from the given peers.
	MakeServerUnreachableFrom(ctx context.Context, servers *UnreachableFromServers) (*Success, error)
	// Restore brings a crashed server back as a follower.
	Restore(ctx context.Context, _ *emptypb.Empty) (*Success, error)
}

// RaftSurfstoreInterface is everything a raft server answers.
type RaftSurfstoreInterface interface {
	MetaStoreInterface
	RaftInterface
	RaftTestingInterface
}

var _ RaftSurfstoreInterface = (*RaftSurfstore)(nil)
