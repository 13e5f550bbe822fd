//solution:file 4B

package shardkv

import (
	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
)

// startPaxosServer starts server me of group gid with the group agreeing
// through Paxos instead of Raft, as in the 2015 lab (the tests' Paxos
// harness uses it): servers are the ends to the group's Paxos peers, and
// the caller registers the returned peer as a labrpc service beside the
// server. Nothing is persistent, so there are no snapshots (maxraftstate
// is ignored: Paxos frees applied instances through Done) and the server
// cannot restart. kv.rf stays nil.
func startPaxosServer(servers []*labrpc.ClientEnd, me int, gid int, ctrlers []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) (*ShardKV, *paxos.Paxos) {
	labgob.Register(Op{})

	kv := new(ShardKV)
	kv.me = me
	kv.maxraftstate = -1
	kv.makeEnd = makeEnd
	kv.gid = gid
	kv.ctrlers = ctrlers
	kv.self = servers[me]
	px := paxos.Make(servers, me)
	log, applyCh := rsm.NewPaxosLog(px)
	kv.stopLog = log.Kill
	kv.startRSM(log, applyCh, func() int { return 0 }, nil)
	return kv, px
}
