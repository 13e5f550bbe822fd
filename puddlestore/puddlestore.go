package puddlestore

import (
	"errors"
	"time"
)

// Config is a cluster's shape, as in the course.
type Config struct {
	BlockSize   uint64 // bytes per block
	NumReplicas int    // salted copies of each block, each on its own node
	NumTapestry int    // Tapestry nodes the cluster runs
	ZkAddr      string // address of the coordination service (ZooKeeper)
}

// DefaultConfig is the course's default cluster: 4 KB blocks, three
// replicas on ten nodes.
func DefaultConfig() Config {
	return Config{BlockSize: 4096, NumReplicas: 3, NumTapestry: 10, ZkAddr: "localhost:2181"}
}

// Client is one user of the file system. Its fds are its own; a Client is
// safe for concurrent use.
type Client interface {
	// Open opens path and returns an fd. With create, a missing file is
	// created (its directory must exist); with write, the fd may Write,
	// and Open first waits for the file's lock.
	Open(path string, create, write bool) (int, error)
	// Close publishes what fd wrote (if anything) and frees fd.
	Close(fd int) error
	// Read returns up to size bytes at offset: fewer at the end of the
	// file, none past it.
	Read(fd int, offset, size uint64) ([]byte, error)
	// Write writes data at offset; a gap past the end reads as zeros.
	// Others see it after Close.
	Write(fd int, offset uint64, data []byte) error
	// Mkdir makes a directory whose parent exists.
	Mkdir(path string) error
	// Remove removes a file or an empty directory.
	Remove(path string) error
	// List returns the names in a directory, sorted, or a file's own name.
	List(path string) ([]string, error)
	// Exit closes every fd without publishing and ends the session,
	// which releases its locks.
	Exit()
}

// Errors the client returns; compare with errors.Is.
var (
	ErrNotFound     = errors.New("puddlestore: no such file or directory")
	ErrExists       = errors.New("puddlestore: file exists")
	ErrIsDir        = errors.New("puddlestore: is a directory")
	ErrNotDir       = errors.New("puddlestore: not a directory")
	ErrNotEmpty     = errors.New("puddlestore: directory not empty")
	ErrBadFD        = errors.New("puddlestore: bad file descriptor")
	ErrReadOnly     = errors.New("puddlestore: fd not open for writing")
	ErrInvalidPath  = errors.New("puddlestore: invalid path")
	ErrBlockMissing = errors.New("puddlestore: no replica of a block answered")
	ErrExited       = errors.New("puddlestore: client exited")
)

// Where the cluster keeps its state in the coordination service.
const (
	rootNode    = "/puddlestore"         // data: the cluster's Config (JSON)
	fsNode      = "/puddlestore/fs"      // the file system's root directory
	locksNode   = "/puddlestore/locks"   // a child per locked file
	nodesNode   = "/puddlestore/nodes"   // an ephemeral child per block server
	garbageNode = "/puddlestore/garbage" // a sequential child per batch of dead blocks
	lockPrefix  = "lock-"                // name of a lock waiter's node
	nodePrefix  = "node-"                // name of a block server's node
	gcPrefix    = "gc-"                  // name of a garbage batch
)

// Timing of the cluster. Variables so that tests can change them.
var (
	// GCGrace is how long dead blocks stay in Tapestry: a reader whose fd
	// is older than that may find its blocks collected.
	GCGrace = 20 * time.Second
	// GCInterval is how often the cluster's collector looks for garbage.
	GCInterval = 5 * time.Second
	// FetchPatience is how long a read keeps trying the replicas of a
	// block (a new Tapestry root learns of a block only when its holder
	// republishes it).
	FetchPatience = 2 * time.Minute
	// CallTimeout bounds one call to a block server.
	CallTimeout = 30 * time.Second
)
