//solution:file 4A

package shardctrler

import (
	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
)

// StartPaxosServer starts replica me of a controller whose replicas agree
// through Paxos instead of Raft, as in the 2015 lab: servers are the ends to
// every replica's Paxos peer. It returns the server and its Paxos peer,
// which the caller registers as a labrpc service beside the server. Such a
// replica keeps nothing persistent and cannot restart; Raft() returns nil.
func StartPaxosServer(servers []*labrpc.ClientEnd, me int) (*ShardCtrler, *paxos.Paxos) {
	labgob.Register(Op{})

	sc := new(ShardCtrler)
	sc.me = me
	sc.configs = make([]Config, 1)
	sc.configs[0].Groups = map[int][]string{}
	px := paxos.Make(servers, me)
	log, applyCh := rsm.NewPaxosLog(px)
	sc.stopLog = log.Kill
	sc.startRSM(log, applyCh, func() int { return 0 }, nil)
	return sc, px
}
