package coord

import "errors"

// Flags for Create; the values are ZooKeeper's.
const (
	// Ephemeral nodes are deleted when the session that created them
	// ends, by Close or by expiry. They cannot have children.
	Ephemeral int32 = 1
	// Sequential nodes get a ten-digit, zero-padded counter appended to
	// their name, unique and increasing among the parent's children.
	Sequential int32 = 2
)

// AnyVersion, passed to Set or Delete, matches every version.
const AnyVersion int32 = -1

// Stat describes a node. Versions start at 0 and grow by one per change.
type Stat struct {
	Czxid          int64 // order of the change that created the node
	Mzxid          int64 // order of the change that last set its data
	Version        int32 // number of Sets of the node's data
	Cversion       int32 // number of changes to its children
	EphemeralOwner int64 // session that owns an ephemeral node; 0 if persistent
	DataLength     int32 // length of the node's data
	NumChildren    int32 // number of children
}

// EventType says what a watch saw.
type EventType int32

// The events a watch delivers. A watch set by GetW or ExistsW fires on
// EventNodeCreated, EventNodeDeleted or EventNodeDataChanged; one set by
// ChildrenW fires on EventNodeChildrenChanged or EventNodeDeleted. When
// the session ends, every pending watch fires with EventNotWatching.
const (
	EventNodeCreated EventType = iota + 1
	EventNodeDeleted
	EventNodeDataChanged
	EventNodeChildrenChanged
	EventNotWatching
)

// Event is what a watch channel delivers, exactly once.
type Event struct {
	Type EventType
	Path string // the watched path
	Err  error  // ErrSessionExpired or ErrClosed with EventNotWatching
}

// The errors a Conn returns; compare with errors.Is.
var (
	ErrNoNode         = errors.New("coord: node does not exist")
	ErrNodeExists     = errors.New("coord: node already exists")
	ErrBadVersion     = errors.New("coord: version does not match")
	ErrNotEmpty       = errors.New("coord: node has children")
	ErrNoChildren     = errors.New("coord: ephemeral nodes may not have children")
	ErrInvalidPath    = errors.New("coord: invalid path")
	ErrSessionExpired = errors.New("coord: session expired")
	ErrClosed         = errors.New("coord: connection closed")
)

// Conn is one client session with a coordination service. Its methods
// are safe for concurrent use; each operation is linearizable, and the
// operations of one session take effect in the order it issued them.
//
// Paths are absolute ("/a/b"): no trailing slash except for the root "/",
// no empty, "." or ".." components. The method set follows the common Go
// ZooKeeper client (github.com/go-zookeeper/zk) minus ACLs, so code
// written against it ports by changing calls, not logic.
type Conn interface {
	// Create makes a node with data and flags (0, Ephemeral, Sequential
	// or both) and returns its path, which differs from path only for a
	// sequential node. The parent must exist.
	Create(path string, data []byte, flags int32) (string, error)
	// Get returns a node's data and Stat.
	Get(path string) ([]byte, *Stat, error)
	// GetW is Get that also sets a watch on the node.
	GetW(path string) ([]byte, *Stat, <-chan Event, error)
	// Exists reports whether a node exists, with its Stat if it does.
	Exists(path string) (bool, *Stat, error)
	// ExistsW is Exists that also sets a watch, which fires on creation
	// if the node does not exist yet.
	ExistsW(path string) (bool, *Stat, <-chan Event, error)
	// Set replaces a node's data if its version is version (or version
	// is AnyVersion) and returns the new Stat.
	Set(path string, data []byte, version int32) (*Stat, error)
	// Delete removes a childless node if its version is version (or
	// version is AnyVersion).
	Delete(path string, version int32) error
	// Children returns the names (not paths) of a node's children, sorted.
	Children(path string) ([]string, *Stat, error)
	// ChildrenW is Children that also sets a watch on the children list.
	ChildrenW(path string) ([]string, *Stat, <-chan Event, error)
	// SessionID identifies the session; it is the EphemeralOwner of the
	// ephemeral nodes the session creates.
	SessionID() int64
	// Close ends the session: its ephemeral nodes are deleted and its
	// pending watches fire with EventNotWatching. Operations after Close
	// return ErrClosed.
	Close()
}
