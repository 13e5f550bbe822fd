package shardctrler

// NShards is the number of shards.
const NShards = 10

// A Config assigns shards to replica groups. Config number 0 is the
// initial one: no groups, every shard assigned to the invalid gid 0.
type Config struct {
	Num    int              // config number
	Shards [NShards]int     // shard -> gid
	Groups map[int][]string // gid -> servers[]
}

// Err values returned in RPC replies.
const (
	// OK means the request was applied.
	OK = "OK"
	// ErrWrongLeader means this server could not apply the request (not
	// the leader, lost leadership, or gave up waiting); the Clerk retries
	// at another server.
	ErrWrongLeader = "ErrWrongLeader"
	// ErrBadRequest means the request makes no sense (a Move of a shard
	// out of range or to a gid not in the configuration, a Join of gid 0
	// or of a gid with no servers); it is not applied and not retried.
	ErrBadRequest = "ErrBadRequest"
)

// Err is the outcome of an RPC as seen by the service.
type Err string

// JoinArgs is the request of ShardCtrler.Join: new GID -> servers mappings.
type JoinArgs struct {
	Servers map[int][]string
	//solution:begin 4A
	ClientID int64 // with Seq, identifies the request so a retry applies once
	Seq      int64
	//solution:end
}

// JoinReply is the reply of ShardCtrler.Join.
type JoinReply struct {
	WrongLeader bool
	Err         Err
}

// LeaveArgs is the request of ShardCtrler.Leave.
type LeaveArgs struct {
	GIDs []int
	//solution:begin 4A
	ClientID int64
	Seq      int64
	//solution:end
}

// LeaveReply is the reply of ShardCtrler.Leave.
type LeaveReply struct {
	WrongLeader bool
	Err         Err
}

// MoveArgs is the request of ShardCtrler.Move.
type MoveArgs struct {
	Shard int
	GID   int
	//solution:begin 4A
	ClientID int64
	Seq      int64
	//solution:end
}

// MoveReply is the reply of ShardCtrler.Move.
type MoveReply struct {
	WrongLeader bool
	Err         Err
}

// QueryArgs is the request of ShardCtrler.Query.
type QueryArgs struct {
	Num int // desired config number; -1 or beyond the latest: the latest
}

// QueryReply is the reply of ShardCtrler.Query.
type QueryReply struct {
	WrongLeader bool
	Err         Err
	Config      Config
}
