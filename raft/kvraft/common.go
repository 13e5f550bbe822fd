package kvraft

// Err values returned in RPC replies.
const (
	// OK means the operation was applied.
	OK = "OK"
	// ErrNoKey means a Get found no value for the key (the Clerk returns "").
	ErrNoKey = "ErrNoKey"
	// ErrWrongLeader means this server could not apply the operation: it is
	// not the leader, lost leadership while waiting, or gave up waiting.
	// The Clerk retries at another server.
	ErrWrongLeader = "ErrWrongLeader"
)

// Err is the outcome of an RPC as seen by the service.
type Err string

// Operation kinds carried in PutAppendArgs.Op and in the Raft log.
const (
	//solution:begin 3A
	opGet = "Get" // only in the log: a GetArgs has no Op
	//solution:end
	opPut    = "Put"
	opAppend = "Append"
)

// PutAppendArgs is the request of KVServer.PutAppend.
type PutAppendArgs struct {
	Key   string
	Value string
	Op    string // opPut or opAppend
	//solution:begin 3A
	// ClientID and Seq identify the request so that a retry is applied once.
	ClientID int64
	Seq      int64
	//solution:stub
	// // Your fields here (3A).
	//solution:end
}

// PutAppendReply is the reply of KVServer.PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs is the request of KVServer.Get.
type GetArgs struct {
	Key string
	//solution:begin 3A
	// ClientID and Seq identify the request; a Get is never deduplicated
	// (re-executing a read is harmless) but the identity lets the server
	// recognise its own entry in the log.
	ClientID int64
	Seq      int64
	//solution:stub
	// // Your fields here (3A).
	//solution:end
}

// GetReply is the reply of KVServer.Get.
type GetReply struct {
	Err   Err
	Value string
}
