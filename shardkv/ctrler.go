//solution:file 4B

package shardkv

import (
	"distlabs/labrpc"
	"distlabs/shardkv/shardctrler"
)

// ctrlerLink asks the controller for configurations with the controller's
// own RPC (not its Clerk, which retries forever and cannot be stopped from
// this package). It is used by one goroutine at a time.
type ctrlerLink struct {
	ends   []*labrpc.ClientEnd
	leader int // index of the controller server that answered last
}

// queryOnce asks every controller server, starting with the last leader,
// for configuration num (-1: the latest) and returns the first answer.
func (l *ctrlerLink) queryOnce(num int) (shardctrler.Config, bool) {
	args := shardctrler.QueryArgs{Num: num}
	for range l.ends {
		var reply shardctrler.QueryReply
		if l.ends[l.leader].Call("ShardCtrler.Query", &args, &reply) && !reply.WrongLeader && reply.Err == shardctrler.OK {
			return reply.Config, true
		}
		l.leader = (l.leader + 1) % len(l.ends)
	}
	return shardctrler.Config{}, false
}
