//solution:file 4A

package shardctrler

import (
	"flag"

	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
)

// consensus selects what the test replicas agree through: "raft" (the
// lab's default) or "paxos" (the 2015 variant, StartPaxosServer).
var consensus = flag.String("consensus", "raft", "consensus under the controller replicas: raft or paxos")

// onPaxos reports whether the tests run on Paxos replicas.
func onPaxos() bool { return *consensus == "paxos" }

func init() {
	onRaft := startServer
	startServer = func(ends []*labrpc.ClientEnd, i int, p *raft.Persister) (*ShardCtrler, interface{}) {
		if onPaxos() {
			return StartPaxosServer(ends, i)
		}
		return onRaft(ends, i, p)
	}
	persists = func() bool { return !onPaxos() }
	needsRestart = func(t *testing.T) {
		if onPaxos() {
			t.Skip("-consensus=paxos: this test restarts replicas from persisted state or asks Raft who leads; Paxos replicas, as in the 2015 lab, persist nothing (a crash is a kill without restart) and have no leader")
		}
	}
}
