package pbkv

// Err values returned in RPC replies.
const (
	// OK means the operation was applied (or, for a retried write, had been).
	OK = "OK"
	// ErrNoKey means a Get found no value for the key (the Clerk returns "").
	ErrNoKey = "ErrNoKey"
	// ErrWrongServer means this server cannot serve the request now: it is
	// not the primary of a view it has acknowledged, or it could not reach
	// its backup. The Clerk asks the view service and retries.
	ErrWrongServer = "ErrWrongServer"
	// ErrBadOp means PutAppendArgs.Op was neither "Put" nor "Append".
	ErrBadOp = "ErrBadOp"
)

// Err is the outcome of an RPC as seen by the service.
type Err string

// Operation names carried in PutAppendArgs.Op.
const (
	opPut    = "Put"
	opAppend = "Append"
)

// PutAppendArgs is the request of PBServer.PutAppend.
type PutAppendArgs struct {
	Key   string
	Value string
	Op    string // "Put" or "Append"
	//solution:begin B
	// ClientID and Seq identify the request so that a resent one is
	// applied at most once.
	ClientID int64
	Seq      int64
	//solution:end
}

// PutAppendReply is the reply of PBServer.PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs is the request of PBServer.Get.
type GetArgs struct {
	Key string
}

// GetReply is the reply of PBServer.Get.
type GetReply struct {
	Err   Err
	Value string
}
