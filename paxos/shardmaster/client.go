package shardmaster

import (
	"time"

	"distlabs/labrpc"
)

// retryInterval is the Clerk's pause after every server failed to answer.
const retryInterval = 100 * time.Millisecond

// A Clerk talks to the shardmaster replicas. As in the 2015 skeleton it is
// given code: it tries each replica in turn until one answers, and it
// retries forever, so a replica must answer only once the request took
// effect (a handler that cannot finish returns an error, which reaches the
// Clerk as no answer).
type Clerk struct {
	servers []*labrpc.ClientEnd
}

// MakeClerk returns a Clerk that talks to the given replicas.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	return &Clerk{servers: servers}
}

// call sends the RPC to each replica in turn until one answers, pausing
// between rounds.
func (ck *Clerk) call(method string, args, reply interface{}) {
	for {
		for _, srv := range ck.servers {
			if srv.Call(method, args, reply) {
				return
			}
		}
		time.Sleep(retryInterval)
	}
}

// Query returns configuration num, or the latest one if num is -1 or
// beyond it.
func (ck *Clerk) Query(num int) Config {
	var reply QueryReply
	ck.call("ShardMaster.Query", &QueryArgs{Num: num}, &reply)
	return reply.Config
}

// Join adds group gid, made of servers.
func (ck *Clerk) Join(gid int64, servers []string) {
	ck.call("ShardMaster.Join", &JoinArgs{GID: gid, Servers: servers}, &JoinReply{})
}

// Leave removes group gid.
func (ck *Clerk) Leave(gid int64) {
	ck.call("ShardMaster.Leave", &LeaveArgs{GID: gid}, &LeaveReply{})
}

// Move assigns shard to group gid.
func (ck *Clerk) Move(shard int, gid int64) {
	ck.call("ShardMaster.Move", &MoveArgs{Shard: shard, GID: gid}, &MoveReply{})
}
