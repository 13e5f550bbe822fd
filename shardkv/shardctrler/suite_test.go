package shardctrler

import (
	"slices"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The 4A suite: the scenarios of the 6.824 (2022) controller tests, in our
// own words, plus targeted tests for the classic rebalancing bugs.

const nctrlers = 3

// TestBasic4A walks the controller through single-group Joins and Leaves,
// historical queries (also after each server in turn has crashed), Move,
// concurrent Joins and Leaves, and checks that rebalancing after Joins and
// after Leaves moves only the shards it must.
func TestBasic4A(t *testing.T) {
	needsRestart(t)
	run(t, false, "Test (4A): the initial configuration", func(t *labtest.T, cfg *config, ck *Clerk) {
		ops := 0
		c0 := ck.Query(-1)
		ops++
		if c0.Num != 0 {
			t.Fatalf("the first Query(-1) returned config %d, want 0", c0.Num)
		}
		checkConfig(t, c0, nil)
		cfg.end(ops)

		cfg.begin("Test (4A): join and leave, one group at a time")
		var history []Config // every config, by number
		history = append(history, c0)
		step := func(f func(), gids []int) {
			f()
			c := ck.Query(-1)
			ops += 2
			if c.Num != len(history) {
				t.Fatalf("after a change the latest config is %d, want %d", c.Num, len(history))
			}
			checkConfig(t, c, gids)
			history = append(history, c)
		}
		step(func() { ck.Join(joinArg(1)) }, []int{1})
		step(func() { ck.Join(joinArg(2)) }, []int{1, 2})
		step(func() { ck.Leave([]int{1}) }, []int{2})
		step(func() { ck.Leave([]int{2}) }, nil)
		cfg.end(ops)

		cfg.begin("Test (4A): historical queries, also after crashes")
		checkHistory := func() {
			for _, want := range history {
				if d := sameConfig(ck.Query(want.Num), want); d != "" {
					t.Fatalf("Query(%d) returned a different config than before: %s", want.Num, d)
				}
				ops++
			}
			if d := sameConfig(ck.Query(len(history)+5), history[len(history)-1]); d != "" {
				t.Fatalf("Query beyond the latest must return the latest: %s", d)
			}
			ops++
		}
		checkHistory()
		for i := range nctrlers {
			cfg.crash(i)
			checkHistory()
			cfg.restart(i)
		}
		cfg.end(ops)

		cfg.begin("Test (4A): move")
		ck.Join(joinArg(3, 4))
		ops++
		for s := range NShards {
			g := 3
			if s%3 == 0 {
				g = 4
			}
			ck.Move(s, g)
			ops++
		}
		c := ck.Query(-1)
		ops++
		for s := range NShards {
			want := 3
			if s%3 == 0 {
				want = 4
			}
			if c.Shards[s] != want {
				t.Fatalf("after Move(%d, %d) shard %d is on gid %d", s, want, s, c.Shards[s])
			}
		}
		// A Join after Moves rebalances again.
		ck.Join(joinArg(5))
		checkConfig(t, ck.Query(-1), []int{3, 4, 5})
		ck.Leave([]int{3, 4, 5})
		checkConfig(t, ck.Query(-1), nil)
		ops += 4
		cfg.end(ops)

		cfg.begin("Test (4A): concurrent joins and leaves")
		concurrentChanges(t, cfg, 10, 1)
		cfg.end(ops)

		cfg.begin("Test (4A): minimal transfers after joins")
		minimalTransfers(t, ck, [][]int{{10}, {11}, {12}, {13}, {14}, {15}, {16}, {17}}, [][]int{{10}, {11}, {12}, {13}, {14}, {15}, {16}, {17}})
		cfg.end(ops)
	})
}

// TestMulti4A repeats the scenarios with Joins and Leaves of several groups
// per request.
func TestMulti4A(t *testing.T) {
	run(t, false, "Test (4A): multi-group join and leave", func(t *labtest.T, cfg *config, ck *Clerk) {
		ck.Join(joinArg(1, 2))
		checkConfig(t, ck.Query(-1), []int{1, 2})
		ck.Join(joinArg(3, 4, 5))
		checkConfig(t, ck.Query(-1), []int{1, 2, 3, 4, 5})
		first := ck.Query(1)
		checkConfig(t, first, []int{1, 2})
		ck.Leave([]int{1, 3, 5})
		checkConfig(t, ck.Query(-1), []int{2, 4})
		ck.Leave([]int{2, 4})
		checkConfig(t, ck.Query(-1), nil)
		cfg.end(10)

		cfg.begin("Test (4A): concurrent multi-group joins and leaves")
		concurrentChanges(t, cfg, 10, 3)
		cfg.end(0)

		cfg.begin("Test (4A): minimal transfers after multi-group joins and leaves")
		minimalTransfers(t, ck, [][]int{{20, 21}, {22, 23, 24}, {25, 26, 27, 28, 29, 30, 31}}, [][]int{{20, 22}, {23, 24, 25}, {26, 27, 28, 29, 30, 31, 21}})
		cfg.end(0)
	})
}

// concurrentChanges runs nclients clients at once; client i joins groups
// of its own (per groups per request), joins a second batch, and has the
// second batch leave. At the end exactly the first batches remain, balanced.
func concurrentChanges(t *labtest.T, cfg *config, nclients, per int) {
	t.Helper()
	var wg sync.WaitGroup
	var keep []int
	for i := range nclients {
		var stay, leave []int
		for k := range per {
			stay = append(stay, 100+10*i+k)
			leave = append(leave, 1000+10*i+k)
		}
		keep = append(keep, stay...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck := cfg.makeClient()
			ck.Join(joinArg(stay...))
			ck.Join(joinArg(leave...))
			ck.Leave(leave)
		}()
	}
	wg.Wait()
	checkConfig(t, cfg.makeClient().Query(-1), keep)
	ck := cfg.makeClient()
	ck.Leave(keep)
	checkConfig(t, ck.Query(-1), nil)
}

// minimalTransfers joins the batches of groups one request at a time and
// then has the batches in leaves leave; after every change the config must
// be balanced and move no more shards than necessary: after a Join, shards
// move only to the new groups; after a Leave, only the departed groups'
// shards move.
func minimalTransfers(t *labtest.T, ck *Clerk, joins, leaves [][]int) {
	t.Helper()
	var live []int
	for _, batch := range joins {
		before := ck.Query(-1)
		ck.Join(joinArg(batch...))
		live = append(live, batch...)
		after := ck.Query(-1)
		checkConfig(t, after, live)
		for _, s := range moved(before, after) {
			if before.Shards[s] != 0 && !slices.Contains(batch, after.Shards[s]) {
				t.Fatalf("Join(%v) moved shard %d from gid %d to gid %d, an old group: only moves to the new groups are needed",
					batch, s, before.Shards[s], after.Shards[s])
			}
		}
		if got, least := len(moved(before, after)), fewestMoves(before, after); got != least {
			t.Fatalf("Join(%v) moved %d shards (%v -> %v); %d suffice", batch, got, before.Shards, after.Shards, least)
		}
	}
	for _, batch := range leaves {
		before := ck.Query(-1)
		ck.Leave(batch)
		live = slices.DeleteFunc(live, func(g int) bool { return slices.Contains(batch, g) })
		after := ck.Query(-1)
		checkConfig(t, after, live)
		for _, s := range moved(before, after) {
			if !slices.Contains(batch, before.Shards[s]) {
				t.Fatalf("Leave(%v) moved shard %d from gid %d, which stays: only the departed groups' shards need to move",
					batch, s, before.Shards[s])
			}
		}
		if got, least := len(moved(before, after)), fewestMoves(before, after); got != least {
			t.Fatalf("Leave(%v) moved %d shards (%v -> %v); %d suffice", batch, got, before.Shards, after.Shards, least)
		}
	}
}

// TestMinimalMoves4A drives a seeded random sequence of Joins (of new gids
// in random order, so a newcomer may sort before the old groups), Leaves
// and Moves (which unbalance the config), and checks after each Join and
// Leave that the new config is balanced and moves exactly the fewest shards
// any balanced assignment could (spec: "moving as few shards as possible").
func TestMinimalMoves4A(t *testing.T) {
	run(t, false, "Test (4A): random joins, leaves and moves; rebalancing moves the fewest shards", func(t *labtest.T, cfg *config, ck *Clerk) {
		var live []int
		used := map[int]bool{}
		for range 60 {
			before := ck.Query(-1)
			switch r := t.Rand.IntN(4); {
			case len(live) == 0 || len(live) < 14 && r < 2:
				var batch []int
				for range 1 + t.Rand.IntN(3) {
					g := 1 + t.Rand.IntN(500)
					if !used[g] {
						used[g] = true
						batch = append(batch, g)
					}
				}
				ck.Join(joinArg(batch...))
				live = append(live, batch...)
			case r == 2:
				ck.Move(t.Rand.IntN(NShards), live[t.Rand.IntN(len(live))])
				continue
			default:
				var batch []int
				for range 1 + t.Rand.IntN(min(3, len(live))) {
					g := live[t.Rand.IntN(len(live))]
					if !slices.Contains(batch, g) {
						batch = append(batch, g)
					}
				}
				ck.Leave(batch)
				live = slices.DeleteFunc(live, func(g int) bool { return slices.Contains(batch, g) })
			}
			after := ck.Query(-1)
			checkConfig(t, after, live)
			if got, least := len(moved(before, after)), fewestMoves(before, after); got != least {
				t.Fatalf("config %d -> %d moved %d shards (%v -> %v, groups %v); %d suffice",
					before.Num, after.Num, got, before.Shards, after.Shards, live, least)
			}
		}
		cfg.end(120)
	})
}

// TestDeterministicRebalance4A checks that every replica computes the same
// configurations (spec: "Go map order must not leak into the result"):
// after many Joins and Leaves with many groups, the leader is crashed
// repeatedly, so other replicas answer from the configs they computed
// themselves, and every config must equal what the first leader returned.
func TestDeterministicRebalance4A(t *testing.T) {
	needsRestart(t)
	run(t, false, "Test (4A): replicas agree on every rebalance", func(t *labtest.T, cfg *config, ck *Clerk) {
		ck.Join(joinArg(1, 2, 3, 4, 5, 6, 7))
		ck.Leave([]int{2, 5})
		ck.Join(joinArg(8, 9, 10, 11, 12, 13, 14))
		ck.Leave([]int{1, 3, 9, 12})
		ck.Join(joinArg(15, 16, 17))
		ck.Leave([]int{4, 6, 7, 8, 10})
		ck.Join(joinArg(18))
		latest := ck.Query(-1)
		if latest.Num != 7 {
			t.Fatalf("after 7 changes the latest config is %d", latest.Num)
		}
		checkConfig(t, latest, []int{11, 13, 14, 15, 16, 17, 18})
		history := make([]Config, latest.Num+1)
		for i := range history {
			history[i] = ck.Query(i)
		}
		for round := range 2 * nctrlers {
			leader, ok := cfg.leader()
			if !ok {
				// Wait for an election and try again.
				time.Sleep(time.Second)
				continue
			}
			cfg.crash(leader)
			for i, want := range history {
				if d := sameConfig(ck.Query(i), want); d != "" {
					t.Fatalf("round %d: with server %d down, another replica answers config %d differently: %s", round, leader, i, d)
				}
			}
			cfg.restart(leader)
			// Let the restarted server catch up before the next crash.
			time.Sleep(time.Second)
		}
		cfg.end(len(history) * 2 * nctrlers)
	})
}

// TestDuplicateRequests4A sends changes over a network that drops requests
// and replies: each retried Join, Leave or Move must be applied once, so
// after k changes the latest config is number k.
func TestDuplicateRequests4A(t *testing.T) {
	run(t, true, "Test (4A): retried changes apply once (unreliable net)", func(t *labtest.T, cfg *config, ck *Clerk) {
		changes := 0
		for i := range 10 {
			ck.Join(joinArg(i + 1))
			ck.Move(i, i+1)
			changes += 2
			if i%3 == 2 {
				ck.Leave([]int{i})
				changes++
			}
		}
		if c := ck.Query(-1); c.Num != changes {
			t.Fatalf("after %d changes the latest config is %d: a retried request was applied %s",
				changes, c.Num, map[bool]string{true: "twice", false: "never"}[c.Num > changes])
		}
		cfg.end(changes)
	})
}

// TestKillStopsGoroutines4A grades the rule "Kill stops every goroutine"
// for the controller, once (see the top-level README, "Porting existing
// student code"): elsewhere a leftover goroutine is only a warning. After a
// few requests every controller is killed; each goroutine StartServer
// started (and the Raft under it) must have returned within 5 s of virtual
// time. Typical cause of a failure: the loop reading applyCh, or a request
// waiting for its index, that nothing wakes after Kill. The joins must also
// have gone through Raft (persisted Raft state), so a controller that starts
// no goroutines cannot pass by leaking none.
func TestKillStopsGoroutines4A(t *testing.T) {
	run(t, false, "Test (4A): Kill stops every goroutine", func(t *labtest.T, cfg *config, ck *Clerk) {
		t.StrictLeaks()
		ck.Join(joinArg(1))
		ck.Join(joinArg(2))
		if c := ck.Query(-1); c.Num != 2 {
			t.Fatalf("after two joins the latest config is %d, want 2", c.Num)
		}
		// A controller that starts no goroutines leaks none: require that
		// the joins really went through Raft, which persists its state.
		if persists() && cfg.raftStateSize() == 0 {
			t.Fatalf("no controller persisted any Raft state: the joins never went through Raft")
		}
		cfg.end(3)
	})
}

// TestJoinEmptyGroup4A: a Join that maps a gid to no servers is refused
// (ErrBadRequest, nothing changes), even beside a valid gid: a group with no
// servers would get shards that no one can serve, and every client of those
// shards would stall.
// Not graded: 6.824 does not ask for it (see the README).
func TestJoinEmptyGroup4A(t *testing.T) {
	run(t, false, "Test (4A): a Join of a group with no servers is refused", func(t *labtest.T, cfg *config, ck *Clerk) {
		ck.Join(joinArg(1))
		ck.Join(map[int][]string{2: nil})
		ck.Join(map[int][]string{3: {}, 4: servers(4)})
		c := ck.Query(-1)
		if c.Num != 1 {
			t.Fatalf("after one valid Join and two Joins of empty groups the latest config is %d, want 1", c.Num)
		}
		checkConfig(t, c, []int{1})
		cfg.end(4)
	})
}
