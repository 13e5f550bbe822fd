package shardctrler

import (
	"fmt"
	"slices"
	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// config is one test's controller cluster: n servers on a simulated
// network and the persisters that survive a crash.
type config struct {
	t     *labtest.T
	net   *tester.Net
	g     *tester.Group[*ShardCtrler]
	saved *tester.States[*raft.Persister]
}

// startServer starts replica i and returns it with the consensus peer
// (Raft) that its labrpc server carries beside it. A reference-only test
// file replaces it to run the replicas on Paxos (-consensus=paxos).
var startServer = func(ends []*labrpc.ClientEnd, i int, p *raft.Persister) (*ShardCtrler, interface{}) {
	sc := StartServer(ends, i, p)
	return sc, sc.Raft()
}

// needsRestart marks a test that restarts servers from their persisted
// state or asks Raft who leads. It does nothing here; the reference-only
// Paxos harness makes it skip the test, since Paxos replicas (as in the
// 2015 lab) persist nothing and have no leader.
var needsRestart = func(*testing.T) {}

// persists reports whether the replicas persist Raft state; the Paxos
// harness says no.
var persists = func() bool { return true }

// makeConfig starts n connected controller servers on a fresh network.
// Clerks have nothing to stop at cleanup: once the test's clients have
// returned, a 6.824 Clerk runs no goroutine (a request still retrying, only
// when the test has failed already, is parked with the bubble).
func makeConfig(t *labtest.T, n int, unreliable bool) *config {
	cfg := &config{
		t:     t,
		net:   tester.NewNet(t, !unreliable),
		saved: tester.NewStates(n, raft.MakePersister),
	}
	cfg.g = tester.NewGroup(cfg.net, tester.Spec[*ShardCtrler]{
		Name: "ctrler",
		N:    n,
		Start: func(i int, ends []*labrpc.ClientEnd) (*ShardCtrler, []any) {
			sc, peer := startServer(ends, i, cfg.saved.Restart(i))
			return sc, []any{sc, peer}
		},
		Crashed: cfg.saved.Freeze,
	})
	cfg.g.StartAll()
	t.Cleanup(func() {
		cfg.g.Shutdown()
		cfg.net.Cleanup()
	})
	return cfg
}

// run is the frame of every test: a cluster of nctrlers servers, a Clerk,
// and the phase desc; body may begin further phases.
func run(t *testing.T, unreliable bool, desc string, body func(t *labtest.T, cfg *config, ck *Clerk)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, nctrlers, unreliable)
		ck := cfg.makeClient()
		cfg.begin(desc)
		body(t, cfg, ck)
	})
}

// makeClient returns a Clerk connected to every server, trying them in a
// seeded random order.
func (cfg *config) makeClient() *Clerk {
	_, ends := cfg.g.NewClient(cfg.t.Rand.Perm(cfg.g.N())...)
	return MakeClerk(ends)
}

// crash crashes server i; its persisted state survives for restart.
func (cfg *config) crash(i int) { cfg.g.Crash(i) }

// restart starts server i again from what it persisted and reconnects it.
func (cfg *config) restart(i int) {
	cfg.g.Start(i)
	cfg.g.ConnectAll()
}

// leader returns a live server that believes it leads, if any.
func (cfg *config) leader() (int, bool) {
	return cfg.g.Leader(func(sc *ShardCtrler) bool {
		_, isLeader := sc.Raft().GetState()
		return isLeader
	})
}

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) { cfg.net.Begin(desc) }

// raftStateSize returns the largest Raft state among the controllers'
// persisters.
func (cfg *config) raftStateSize() int {
	return cfg.saved.Max((*raft.Persister).RaftStateSize)
}

// end prints the phase's "Passed" line with ops, the controller calls the
// test counted itself.
func (cfg *config) end(ops int) {
	for range ops - cfg.net.Ops() {
		cfg.net.Op()
	}
	cfg.net.Passed(cfg.g.N())
}

// servers returns the server names the tests give group gid.
func servers(gid int) []string {
	return []string{fmt.Sprintf("g%d-a", gid), fmt.Sprintf("g%d-b", gid), fmt.Sprintf("g%d-c", gid)}
}

// joinArg is the Join argument for the given gids.
func joinArg(gids ...int) map[int][]string {
	m := make(map[int][]string, len(gids))
	for _, g := range gids {
		m[g] = servers(g)
	}
	return m
}

// checkConfig fails the test unless c holds exactly the groups gids, with
// the servers the tests gave them, and its shards are spread over them
// evenly (counts differ by at most one; no shard on gid 0 unless there are
// no groups).
func checkConfig(t *labtest.T, c Config, gids []int) {
	t.Helper()
	var have []int
	for g := range c.Groups {
		have = append(have, g)
	}
	slices.Sort(have)
	want := append([]int(nil), gids...)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		t.Fatalf("config %d has groups %v, want %v", c.Num, have, want)
	}
	for _, g := range want {
		if !slices.Equal(c.Groups[g], servers(g)) {
			t.Fatalf("config %d: group %d has servers %v, want %v", c.Num, g, c.Groups[g], servers(g))
		}
	}
	counts := map[int]int{}
	for s, g := range c.Shards {
		if len(want) == 0 {
			if g != 0 {
				t.Fatalf("config %d has no groups but assigns shard %d to gid %d (want 0)", c.Num, s, g)
			}
			continue
		}
		if _, ok := c.Groups[g]; !ok {
			t.Fatalf("config %d assigns shard %d to gid %d, which is not in the config", c.Num, s, g)
		}
		counts[g]++
	}
	if len(want) == 0 {
		return
	}
	lo, hi := NShards, 0
	for _, g := range want {
		lo, hi = min(lo, counts[g]), max(hi, counts[g])
	}
	if hi-lo > 1 {
		t.Fatalf("config %d is unbalanced: shards per group %v (max %d, min %d; they may differ by one)", c.Num, counts, hi, lo)
	}
}

// moved returns the shards whose group differs between a and b.
func moved(a, b Config) []int {
	var out []int
	for s := range NShards {
		if a.Shards[s] != b.Shards[s] {
			out = append(out, s)
		}
	}
	return out
}

// fewestMoves is the least number of shards any balanced assignment of
// next's groups must move away from prev's assignment: a group keeps at
// most its quota of its own shards; the quotas are NShards/n each, plus one
// for NShards%n groups, best spent on groups that have more than the base.
func fewestMoves(prev Config, next Config) int {
	n := len(next.Groups)
	if n == 0 {
		return len(moved(prev, next))
	}
	base, extra := NShards/n, NShards%n
	counts := map[int]int{}
	for _, g := range prev.Shards {
		if _, ok := next.Groups[g]; ok {
			counts[g]++
		}
	}
	kept, over := 0, 0
	for g := range next.Groups {
		kept += min(counts[g], base)
		if counts[g] > base {
			over++
		}
	}
	kept += min(extra, over)
	return NShards - kept
}

// sameConfig reports how a and b differ, or "" if they are equal.
func sameConfig(a, b Config) string {
	if a.Num != b.Num {
		return fmt.Sprintf("numbers %d and %d", a.Num, b.Num)
	}
	if a.Shards != b.Shards {
		return fmt.Sprintf("config %d: shards %v and %v", a.Num, a.Shards, b.Shards)
	}
	if len(a.Groups) != len(b.Groups) {
		return fmt.Sprintf("config %d: %d and %d groups", a.Num, len(a.Groups), len(b.Groups))
	}
	for g, s := range a.Groups {
		if !slices.Equal(s, b.Groups[g]) {
			return fmt.Sprintf("config %d: group %d has servers %v and %v", a.Num, g, s, b.Groups[g])
		}
	}
	return ""
}
