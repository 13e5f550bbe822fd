//solution:file 4B

package shardkv

import (
	"flag"
	"maps"
	"reflect"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/paxos"
	"distlabs/raft"
	"distlabs/shardkv/shardctrler"
	"distlabs/test/labtest"
)

// consensus selects what the test replicas agree through: "raft" (the
// lab's default) or "paxos" (the 2015 variant: startPaxosServer and
// shardctrler.StartPaxosServer).
var consensus = flag.String("consensus", "raft", "consensus under the controller and the replica groups: raft or paxos")

// paxosPeers maps each Paxos-group server the harness started to its
// Paxos peer, for TestPaxosCatchUpForget4B.
var paxosPeers sync.Map // *ShardKV -> *paxos.Paxos

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
			kv, px := startPaxosServer(ends, me, gid, ctrlers, makeEnd)
			paxosPeers.Store(kv, px)
			return kv, px
		}
		return groupOnRaft(ends, me, p, maxraftstate, gid, ctrlers, makeEnd)
	}
	restartable = func() bool { return !onPaxos() }
	needsRestart = func(t *testing.T) {
		if onPaxos() {
			t.Skip("-consensus=paxos: this test restarts crashed servers from persisted state or measures snapshots; Paxos groups, as in the 2015 lab, persist nothing (a crash is a kill without restart, and Done/Min frees applied instances instead of snapshots)")
		}
	}
}

// TestPaxosCatchUpForget4B (reference-only; runs with -consensus=paxos): a
// peer cut off while the group decides catches up by learning (not
// skipping) the instances it missed, and a Paxos group calls Done on the instances it has applied, so every peer's
// Min moves up with the log and Paxos frees the instances below it, even
// after one peer missed decisions while cut off. A server that never calls
// Done keeps Min at 0 and every instance forever; one that does not fill
// the holes it missed never catches up, and holds every peer's Min back.
func TestPaxosCatchUpForget4B(t *testing.T) {
	if !onPaxos() {
		t.Skip("checks Paxos groups: run with -consensus=paxos")
	}
	run(t, setup{maxraftstate: -1}, "Test (4B): a cut-off Paxos peer catches up; applied instances are forgotten", func(t *labtest.T, cfg *config, c *client) {
		const nops = 100
		// Server 2 misses the first half of the decisions, so it must
		// fill its holes (with no-ops) to catch up before its Done, and
		// so every peer's Min, can pass them.
		cfg.isolate(0, 2)
		keys, vals := c.startWithData(nops, "f")
		cfg.healGroup(0)
		c.checkAll(keys, vals)
		time.Sleep(settle)
		servers := make([]*ShardKV, nper)
		for i := range servers {
			servers[i], _ = cfg.groups[0].Server(i)
		}
		for i, kv := range servers {
			v, ok := paxosPeers.Load(kv)
			if !ok {
				t.Fatalf("group 0 server %d has no Paxos peer: is the harness on Paxos?", i)
			}
			// 2×nops client ops went through group 0; Done from every
			// peer reaches the others on later messages, so allow lag.
			if min := v.(*paxos.Paxos).Min(); min < nops {
				t.Fatalf("group 0 server %d: Paxos Min() = %d after %d applied client ops, want at least %d: applied instances are not released with Done, or a peer never filled the holes it missed while cut off", i, min, 2*nops, nops)
			}
		}
		// The peer that was cut off must hold what the others hold: it
		// learned the decisions it missed rather than skipping them.
		data := func(kv *ShardKV) []map[string]string {
			kv.mu.Lock()
			defer kv.mu.Unlock()
			var out []map[string]string
			for _, sh := range kv.shards {
				out = append(out, maps.Clone(sh.Data))
			}
			return out
		}
		want := data(servers[0])
		for i, kv := range servers[1:] {
			if got := data(kv); !reflect.DeepEqual(got, want) {
				t.Fatalf("group 0 server %d holds different data than server 0 after the group healed and settled: it did not learn every decided instance", i+1)
			}
		}
	})
}
