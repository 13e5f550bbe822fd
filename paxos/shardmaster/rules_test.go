package shardmaster

// Targeted tests: each cites the rule it checks.

import (
	"slices"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestReplicasAgree checks that every replica computes the same
// configurations, each balanced.
//
// The rule (2015 lab 4A, "Hints"): the replicas apply the same operations
// in the same order, so a rebalance must be deterministic; Go's map
// iteration order is random, and a rebalance that follows it gives
// replicas different shard assignments for the same configuration number.
// Every configuration a Join or Leave makes spreads the shards as evenly as
// possible (counts differ by at most one).
func TestReplicasAgree(t *testing.T) {
	const n = 3
	run(t, n, "replicas agree on every configuration", func(t *labtest.T, cfg *config) {
		cka := cfg.clerksOn(0, 1, 2)
		parallel(n, func(i int) {
			ck := cka[i]
			base := int64(10 * (i + 1))
			for k := int64(0); k < 4; k++ {
				ck.Join(base+k, []string{"s"})
			}
			ck.Leave(base + 1)
			ck.Leave(base + 2)
		})
		latest := cka[0].Query(-1)
		in := map[int64]bool{}
		for num := 0; num <= latest.Num; num++ {
			want := cka[0].Query(num)
			var groups []int64
			for g := range want.Groups {
				groups = append(groups, g)
				in[g] = true
			}
			if err := checkConfig(want, groups); err != "" {
				t.Fatalf("config %d (at replica 0): %s", num, err)
			}
			for i := 1; i < n; i++ {
				if d := sameConfig(cka[i].Query(num), want); d != "" {
					t.Fatalf("config %d at replica %d differs from replica 0's: %s", num, i, d)
				}
			}
		}
		if len(in) != 3*4 {
			t.Fatalf("%d groups ever joined, want %d", len(in), 3*4)
		}
		cfg.end()
	})
}

// TestMinimalMoves checks that Join and Leave move no shard they need not,
// with groups joining in an order unlike their gids.
//
// The rule (2015 lab 4A): "The shardmaster should react [to a Join] by
// creating a new configuration that includes the new replica group. The
// new configuration should divide the shards as evenly as possible among
// the groups, and should move as few shards as possible to achieve that
// goal"; likewise for Leave. So a Join moves shards only to the new group,
// and a Leave moves only the leaving group's shards.
func TestMinimalMoves(t *testing.T) {
	run(t, 3, "minimal moves, groups joining out of order", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		order := []int64{7, 3, 9, 1, 12, 5, 4}
		var in []int64
		prev := ck.Query(-1)
		for _, gid := range order {
			ck.Join(gid, []string{"s"})
			in = append(in, gid)
			c := cfg.check(ck, in...)
			for s := 0; s < NShards; s++ {
				if prev.Num > 0 && c.Shards[s] != prev.Shards[s] && c.Shards[s] != gid {
					t.Fatalf("Join(%d) moved shard %d from gid %d to gid %d, not to the new group (before %v, after %v)", gid, s, prev.Shards[s], c.Shards[s], prev.Shards, c.Shards)
				}
			}
			prev = c
		}
		for _, gid := range []int64{9, 7, 4, 12} {
			ck.Leave(gid)
			in = slices.DeleteFunc(in, func(g int64) bool { return g == gid })
			c := cfg.check(ck, in...)
			for s := 0; s < NShards; s++ {
				if c.Shards[s] != prev.Shards[s] && prev.Shards[s] != gid {
					t.Fatalf("Leave(%d) moved shard %d from staying gid %d to gid %d (before %v, after %v)", gid, s, prev.Shards[s], c.Shards[s], prev.Shards, c.Shards)
				}
			}
			prev = c
		}
		cfg.end()
	})
}

// TestKillStopsGoroutines checks the Kill rule whatever the harness's
// leak policy is.
//
// The lab's rule: after Kill every goroutine of the replica exits, those
// of its Paxos peer included, even with requests still waiting for
// agreement (here: every replica cut off alone, a request waiting at each).
func TestKillStopsGoroutines(t *testing.T) {
	const n = 3
	run(t, n, "Kill stops every goroutine", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		ck.Join(1, []string{"a"})
		cfg.check(ck, 1)
		cfg.g.Partition() // everyone alone: nothing can be agreed
		waiting := make(chan struct{})
		go func() {
			defer close(waiting)
			parallel(n, func(i int) {
				// Straight to the handler: a Clerk would retry forever.
				_ = cfg.server(i).Join(&JoinArgs{GID: int64(2 + i), Servers: []string{"b"}}, &JoinReply{})
			})
		}()
		time.Sleep(3 * sec)
		cfg.g.Shutdown()
		select {
		case <-waiting:
		case <-time.After(10 * sec):
			t.Fatalf("a Join handler waiting for agreement did not return within 10 s of Kill")
		}
		t.CheckStopped(3*sec, "after every replica was killed", "distlabs/paxos/shardmaster", "distlabs/paxos", "distlabs/internal/rsm")
		cfg.end()
	})
}
