//solution:file 4B

package shardkv

import (
	"flag"
	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/shardkv/shardctrler"
)

// consensus selects what the test replicas agree through: "raft" (the
// lab's default) or "paxos" (the 2015 variant: startPaxosServer and
// shardctrler.StartPaxosServer).
var consensus = flag.String("consensus", "raft", "consensus under the controller and the replica groups: raft or paxos")

// onPaxos reports whether the tests run on Paxos groups.
func onPaxos() bool { return *consensus == "paxos" }

func init() {
	ctrlerOnRaft, groupOnRaft := startCtrlerServer, startGroupServer
	startCtrlerServer = func(ends []*labrpc.ClientEnd, i int, p *raft.Persister) (*shardctrler.ShardCtrler, interface{}) {
		if onPaxos() {
			return shardctrler.StartPaxosServer(ends, i)
		}
		return ctrlerOnRaft(ends, i, p)
	}
	startGroupServer = func(ends []*labrpc.ClientEnd, me int, p *raft.Persister, maxraftstate, gid int, ctrlers []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) (*ShardKV, interface{}) {
		if onPaxos() {
			return startPaxosServer(ends, me, gid, ctrlers, makeEnd)
		}
		return groupOnRaft(ends, me, p, maxraftstate, gid, ctrlers, makeEnd)
	}
	needsRestart = func(t *testing.T) {
		if onPaxos() {
			t.Skip("-consensus=paxos: this test restarts crashed servers from persisted state or measures snapshots; Paxos groups, as in the 2015 lab, persist nothing (a crash is a kill without restart, and Done/Min frees applied instances instead of snapshots)")
		}
	}
}
