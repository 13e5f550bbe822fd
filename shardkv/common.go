package shardkv

// Err values returned in RPC replies.
const (
	// OK means the operation was applied.
	OK = "OK"
	// ErrNoKey means a Get found no value (the Clerk returns "").
	ErrNoKey = "ErrNoKey"
	// ErrWrongGroup means this group does not serve the key's shard now;
	// the Clerk fetches the latest configuration and retries.
	ErrWrongGroup = "ErrWrongGroup"
	// ErrWrongLeader means this server could not apply the operation (not
	// the leader, lost leadership, or gave up waiting); the Clerk tries the
	// group's next server.
	ErrWrongLeader = "ErrWrongLeader"
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

//solution:begin 4B

// opGet is the kind of a Get in the log (Op.Kind).
const opGet = "Get"

//solution:end

// PutAppendArgs is the request of ShardKV.PutAppend.
type PutAppendArgs struct {
	Key   string
	Value string
	Op    string // "Put" or "Append"
	//solution:begin 4B
	ClientID int64 // with Seq, identifies the request so a retry applies once
	Seq      int64
	//solution:end
}

// PutAppendReply is the reply of ShardKV.PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs is the request of ShardKV.Get.
type GetArgs struct {
	Key string
	//solution:begin 4B
	ClientID int64
	Seq      int64
	//solution:end
}

// GetReply is the reply of ShardKV.Get.
type GetReply struct {
	Err   Err
	Value string
}
