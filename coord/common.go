package coord

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives the outcomes and errOf for your server and Clerk
//solution:end

// Err is the outcome of a request as the servers report it; the Clerk
// maps it to one of the package's errors.
type Err string

// The outcomes a server reports.
const (
	// OK means the operation was applied.
	OK Err = "OK"
	// ErrWrongLeader means this server could not apply the request (not
	// the leader, lost leadership, or gave up waiting); the Clerk retries
	// at another server.
	ErrWrongLeader Err = "ErrWrongLeader"
	// The others mirror the package's errors of the same names.
	errNoNode         Err = "ErrNoNode"
	errNodeExists     Err = "ErrNodeExists"
	errBadVersion     Err = "ErrBadVersion"
	errNotEmpty       Err = "ErrNotEmpty"
	errNoChildren     Err = "ErrNoChildren"
	errInvalidPath    Err = "ErrInvalidPath"
	errSessionExpired Err = "ErrSessionExpired"
	errClosed         Err = "ErrClosed"
)

// errOf returns the package error for an outcome; nil for OK.
func errOf(e Err) error {
	switch e {
	case OK:
		return nil
	case errNoNode:
		return ErrNoNode
	case errNodeExists:
		return ErrNodeExists
	case errBadVersion:
		return ErrBadVersion
	case errNotEmpty:
		return ErrNotEmpty
	case errNoChildren:
		return ErrNoChildren
	case errInvalidPath:
		return ErrInvalidPath
	case errSessionExpired:
		return ErrSessionExpired
	case errClosed:
		return ErrClosed
	}
	return ErrClosed
}

// The kinds of request (OpArgs.Kind), all of which go through the log.
const (
	OpOpen     = "Open"     // start a session
	OpClose    = "Close"    // end a session
	OpPoll     = "Poll"     // heartbeat; collects the session's watch events
	OpCreate   = "Create"   // Conn.Create
	OpGet      = "Get"      // Conn.Get and GetW
	OpExists   = "Exists"   // Conn.Exists and ExistsW
	OpSet      = "Set"      // Conn.Set
	OpDelete   = "Delete"   // Conn.Delete
	OpChildren = "Children" // Conn.Children and ChildrenW
)

// OpArgs is the request of Server.Do.
type OpArgs struct {
	Kind    string
	Session int64 // the session's id, chosen by its Clerk
	// Seq numbers a session's operations 1, 2, ...; a retry keeps its
	// number so that the servers apply it once. Open, Close and Poll
	// carry 0: applying them twice is harmless.
	Seq     int64
	Path    string
	Data    []byte
	Flags   int32
	Version int32
	Watch   bool  // set a watch (GetW, ExistsW, ChildrenW)
	Acked   int64 // Poll: the highest event number the Clerk has taken
	Timeout int64 // Open: the session timeout in nanoseconds
}

// WatchEvent is a fired watch waiting in its session's queue until the
// Clerk collects it.
type WatchEvent struct {
	Seq   int64 // position in the session's queue, from 1
	Watch int64 // the Seq of the operation that set the watch
	Type  EventType
	Path  string
}

// OpReply is the reply of Server.Do.
type OpReply struct {
	Err      Err
	Path     string // Create: the created node's path
	Data     []byte
	Stat     Stat
	Exists   bool
	Children []string
	Events   []WatchEvent // Poll: the session's pending events
}
