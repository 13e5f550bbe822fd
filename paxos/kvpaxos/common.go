package kvpaxos

// Err values returned in RPC replies.
const (
	// OK means the operation was applied.
	OK = "OK"
	// ErrNoKey means a Get found no value for the key (the Clerk returns "").
	ErrNoKey = "ErrNoKey"
	// ErrUnavailable means the server could not get the operation decided
	// in time (it may be in a minority partition) or was killed; the
	// Clerk tries another server. The operation may still take effect
	// later, exactly once.
	ErrUnavailable = "ErrUnavailable"
	// ErrBadOp means PutAppendArgs.Op was neither "Put" nor "Append": bad
	// client input, which no retry can fix, so the Clerk gives up.
	ErrBadOp = "ErrBadOp"
)

// Err is the outcome of an RPC as seen by the service.
type Err string

// Operation kinds carried in PutAppendArgs.Op.
const (
	opPut    = "Put"
	opAppend = "Append"
)

// PutAppendArgs is the request of KVPaxos.PutAppend.
type PutAppendArgs struct {
	Key   string
	Value string
	Op    string // "Put" or "Append"
	//solution:begin B
	// ClientID and Seq identify the request so that a retry is applied once.
	ClientID int64
	Seq      int64
	//solution:end
}

// PutAppendReply is the reply of KVPaxos.PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs is the request of KVPaxos.Get.
type GetArgs struct {
	Key string
	//solution:begin B
	// ClientID and Seq identify the request, so the server recognises its
	// own operation when Paxos decides it.
	ClientID int64
	Seq      int64
	//solution:end
}

// GetReply is the reply of KVPaxos.Get.
type GetReply struct {
	Err   Err
	Value string
}
