package shardkv

// Err values returned in replies.
const (
	// OK means the operation was applied.
	OK = "OK"
	// ErrNoKey means a Get found no value for its key.
	ErrNoKey = "ErrNoKey"
	// ErrWrongGroup means the server's group does not serve the key's
	// shard now: the Clerk asks the shardmaster for the latest
	// configuration and tries again.
	ErrWrongGroup = "ErrWrongGroup"
	//solution:begin
	// ErrNotReady means the group could not agree on the request in time
	// (too few of its servers reachable) or has not yet received the data
	// of a shard it owns in a new configuration (a Fetch); the caller
	// retries.
	ErrNotReady = "ErrNotReady"
	//solution:end
)

// Err is the outcome of an RPC as seen by the service.
type Err string

// PutAppendArgs is the request of ShardKV.PutAppend.
type PutAppendArgs struct {
	Key   string
	Value string
	Op    string // "Put" or "Append"
	//solution:begin
	ClientID int64 // with Seq, identifies the request so a retry applies once
	Seq      int64
	//solution:stub
	// // You'll have to add definitions here.
	// // Field names must start with capital letters,
	// // otherwise RPC will break.
	//solution:end
}

// PutAppendReply is the reply of ShardKV.PutAppend.
type PutAppendReply struct {
	Err Err
}

// GetArgs is the request of ShardKV.Get.
type GetArgs struct {
	Key string
	//solution:begin
	//solution:stub
	// // You'll have to add definitions here.
	//solution:end
}

// GetReply is the reply of ShardKV.Get.
type GetReply struct {
	Err   Err
	Value string
}
