package shardmaster

// NShards is the number of shards.
const NShards = 10

// A Config assigns shards to replica groups. Config number 0 is the
// initial one: no groups, every shard on the invalid gid 0. A gid is
// unique and positive; a group that joined and left never joins again.
type Config struct {
	Num    int                // config number
	Shards [NShards]int64     // shard -> gid
	Groups map[int64][]string // gid -> servers[]
}

// JoinArgs is the request of ShardMaster.Join: group GID, made of the
// named servers, joins and gets shards.
type JoinArgs struct {
	GID     int64    // unique replica group ID
	Servers []string // the group's server names
}

// JoinReply is the reply of ShardMaster.Join.
type JoinReply struct{}

// LeaveArgs is the request of ShardMaster.Leave: group GID retires and
// hands off its shards.
type LeaveArgs struct {
	GID int64
}

// LeaveReply is the reply of ShardMaster.Leave.
type LeaveReply struct{}

// MoveArgs is the request of ShardMaster.Move: Shard goes to group GID.
type MoveArgs struct {
	Shard int
	GID   int64
}

// MoveReply is the reply of ShardMaster.Move.
type MoveReply struct{}

// QueryArgs is the request of ShardMaster.Query.
type QueryArgs struct {
	Num int // desired config number; -1 or beyond the latest: the latest
}

// QueryReply is the reply of ShardMaster.Query.
type QueryReply struct {
	Config Config
}
