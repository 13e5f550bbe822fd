package shardmaster

// The harness: n replicas in a tester.Group on a tester.Net seeded from
// the test's seed, clerks bound to chosen replicas (tester clients, never
// partitioned), and the 2015 check of a configuration.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

type config struct {
	t   *labtest.T
	net *tester.Net
	g   *tester.Group[*ShardMaster]
	n   int
}

// run is the frame of a test: n connected replicas on a reliable network,
// begun with desc and shut down when body returns.
func run(t *testing.T, n int, desc string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		net := tester.NewNet(t, true)
		cfg := &config{
			t:   t,
			net: net,
			g: tester.NewGroup(net, tester.Spec[*ShardMaster]{
				Name: "sm",
				N:    n,
				Start: func(i int, ends []*labrpc.ClientEnd) (*ShardMaster, []any) {
					sm := StartServer(ends, i)
					return sm, []any{sm, sm.px}
				},
				Kill: killServer,
			}),
			n: n,
		}
		cfg.g.StartAll()
		defer func() {
			cfg.g.Shutdown()
			cfg.net.Cleanup()
		}()
		cfg.net.Begin("Test: " + desc)
		body(t, cfg)
	})
}

// killServer kills sm by the name its code gives Kill: the 2015 skeleton
// called it kill (unexported, the tests being in the package), ours calls
// it Kill.
func killServer(sm *ShardMaster) {
	switch sm := any(sm).(type) {
	case interface{ Kill() }:
		sm.Kill()
	case interface{ kill() }:
		sm.kill()
	}
}

// end prints the pass line.
func (cfg *config) end() { cfg.net.Passed(cfg.n) }

// server returns replica i, or nil once it was killed.
func (cfg *config) server(i int) *ShardMaster {
	sm, _ := cfg.g.Server(i)
	return sm
}

// makeClerk returns a clerk that knows the given replicas (all if none),
// in that order.
func (cfg *config) makeClerk(to ...int) *Clerk {
	_, ends := cfg.g.NewClient(to...)
	return MakeClerk(ends)
}

// clerksOn makes one clerk per replica, knowing only that replica.
func (cfg *config) clerksOn(servers ...int) []*Clerk {
	cks := make([]*Clerk, len(servers))
	for k, i := range servers {
		cks[k] = cfg.makeClerk(i)
	}
	return cks
}

// check fails the test unless the latest configuration has exactly the
// given groups, no shard on a gid outside them (when there are any), and
// shard counts that differ by at most one across them.
func (cfg *config) check(ck *Clerk, groups ...int64) Config {
	cfg.t.Helper()
	c := ck.Query(-1)
	if err := checkConfig(c, groups); err != "" {
		cfg.t.Fatalf("config %d: %s", c.Num, err)
	}
	return c
}

// checkConfig is check's verdict on c, "" if it holds.
func checkConfig(c Config, groups []int64) string {
	if len(c.Groups) != len(groups) {
		return fmt.Sprintf("wanted %d groups %v, got %d: %v", len(groups), groups, len(c.Groups), c.Groups)
	}
	for _, g := range groups {
		if _, ok := c.Groups[g]; !ok {
			return fmt.Sprintf("missing group %d", g)
		}
	}
	if len(groups) == 0 {
		return ""
	}
	counts := map[int64]int{}
	for s, g := range c.Shards {
		if _, ok := c.Groups[g]; !ok {
			return fmt.Sprintf("shard %d -> invalid group %d", s, g)
		}
		counts[g]++
	}
	lo, hi := NShards+1, 0
	for g := range c.Groups {
		// not the builtins min and max, which a 2015 min or max would shadow
		if counts[g] < lo {
			lo = counts[g]
		}
		if counts[g] > hi {
			hi = counts[g]
		}
	}
	if hi > lo+1 {
		return fmt.Sprintf("max %d shards per group too much larger than min %d: %v", hi, lo, c.Shards)
	}
	return ""
}

// sameConfig reports how a differs from b, "" if they are equal.
func sameConfig(a, b Config) string {
	if a.Num != b.Num {
		return fmt.Sprintf("Num %d, want %d", a.Num, b.Num)
	}
	if a.Shards != b.Shards {
		return fmt.Sprintf("Shards %v, want %v", a.Shards, b.Shards)
	}
	if len(a.Groups) != len(b.Groups) {
		return fmt.Sprintf("Groups %v, want %v", a.Groups, b.Groups)
	}
	for g, sa := range b.Groups {
		if fmt.Sprint(a.Groups[g]) != fmt.Sprint(sa) {
			return fmt.Sprintf("group %d's servers %v, want %v", g, a.Groups[g], sa)
		}
	}
	return ""
}

// parallel runs f(0), ..., f(n-1) at once and waits for them all.
func parallel(n int, f func(c int)) {
	var wg sync.WaitGroup
	for c := 0; c < n; c++ {
		wg.Go(func() { f(c) })
	}
	wg.Wait()
}
