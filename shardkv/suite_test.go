package shardkv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"distlabs/shardkv/shardctrler"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// The 4B suite: the scenarios of the 6.824 (2022) sharded store tests, in
// our own words and with our own schedules. Every test records the
// clients' operations and checks the whole history with porcupine when it
// ends (cfg.end).

// nshards is short for the number of shards: the simple tests write one
// key per shard, or a few.
const nshards = shardctrler.NShards

// settle is how long the tests let groups finish a reconfiguration
// (poll, pull, install, delete) when nothing forces it.
const settle = 2 * time.Second

// TestStaticShards4B: with one of two groups down, exactly the keys of the
// live group's shards are served, and the rest are once the group is back.
func TestStaticShards4B(t *testing.T) {
	run(t, setup{maxraftstate: -1}, "Test (4B): static shards", func(t *labtest.T, cfg *config, c *client) {
		cfg.join(0)
		cfg.join(1)
		keys := keysAllShards(nshards)
		vals := c.putAll(keys, "v")
		c.checkAll(keys, vals)

		// Let the second join settle, then take group 1 down.
		time.Sleep(settle)
		conf := cfg.mck.Query(-1)
		cfg.ShutdownGroup(1)
		cfg.checkLogs()

		var mu sync.Mutex
		done := map[string]bool{}
		var wg sync.WaitGroup
		for i, k := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := cfg.newClient()
				if v := g.Get(k); v != vals[i] && !cfg.stopped() {
					t.Errorf("Get(%q) = %q, want %q", k, v, vals[i])
				}
				mu.Lock()
				done[k] = true
				mu.Unlock()
			}()
		}
		time.Sleep(2 * time.Second)
		mu.Lock()
		for _, k := range keys {
			live := cfg.ownerOf(conf, k) == 0
			if done[k] != live {
				mu.Unlock()
				t.Fatalf("with group 1 down, Get(%q) (shard %d, group %d) finished = %v; want %v: a live group must serve exactly its own shards",
					k, key2shard(k), cfg.ownerOf(conf, k), done[k], live)
			}
		}
		mu.Unlock()

		if !restartable() {
			// Group 1 cannot come back: the Gets still waiting for it
			// are stopped when the test ends, and not recorded.
			return
		}
		cfg.StartGroup(1)
		wg.Wait()
	})
}

// TestJoinLeave4B: data follows its shards when groups join and leave, and
// survives the old owner's crash once moved.
func TestJoinLeave4B(t *testing.T) {
	run(t, setup{maxraftstate: -1}, "Test (4B): join then leave", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(2*nshards, "a")
		c.checkAll(keys, vals)

		cfg.join(1)
		c.appendAll(keys, vals, "b")
		c.checkAll(keys, vals)

		cfg.leave(0)
		c.appendAll(keys, vals, "c")
		c.checkAll(keys, vals)

		// Everything has moved to group 1: group 0 is no longer needed.
		time.Sleep(settle)
		cfg.ShutdownGroup(0)
		c.checkAll(keys, vals)
	})
}

// TestSnapshot4B: with snapshots on, groups survive many reconfigurations
// and then a crash of every server at once.
func TestSnapshot4B(t *testing.T) {
	run(t, setup{maxraftstate: 1000, restarts: true}, "Test (4B): snapshots, join, and leave", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(3*nshards, "s")
		c.checkAll(keys, vals)

		for step, change := range []func(){
			func() { cfg.join(1); cfg.join(2) },
			func() { cfg.leave(1) },
			func() { cfg.join(1); cfg.leave(0) },
			func() { cfg.leave(2); cfg.join(0) },
			func() { cfg.join(2); cfg.leave(1) },
		} {
			change()
			time.Sleep(300 * time.Millisecond) // let the groups act on it
			c.appendAll(keys, vals, fmt.Sprint("x", step))
			c.checkAll(keys, vals)
		}
		cfg.checkLogs()

		for gi := range ngroups {
			cfg.ShutdownGroup(gi)
		}
		for gi := range ngroups {
			cfg.StartGroup(gi)
		}
		c.checkAll(keys, vals)
		cfg.checkLogs()
	})
}

// TestMissChange4B: a server that is down while configurations change
// catches up (through its log or a snapshot) and applies every one of
// them, in order, when it comes back.
func TestMissChange4B(t *testing.T) {
	run(t, setup{maxraftstate: 1000, restarts: true}, "Test (4B): servers miss configuration changes", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(2*nshards, "m")
		cfg.join(1)

		for round, down := range []int{0, 1, 2} {
			for gi := range ngroups {
				cfg.ShutdownServer(gi, down)
			}
			switch round {
			case 0:
				cfg.join(2)
				cfg.leave(1)
				cfg.leave(0)
			case 1:
				cfg.join(1)
				cfg.join(0)
				cfg.leave(2)
			case 2:
				cfg.leave(0)
				cfg.join(2)
			}
			// The changes take effect while the servers are down.
			time.Sleep(time.Second)
			c.appendAll(keys, vals, fmt.Sprint("r", round))
			c.checkAll(keys, vals)
			for gi := range ngroups {
				cfg.StartServer(gi, down)
			}
			c.appendAll(keys, vals, fmt.Sprint("u", round))
			c.checkAll(keys, vals)
		}
		cfg.checkLogs()
	})
}

// TestConcurrent1_4B: clients append while groups join and leave and, at
// one point, every group crashes.
func TestConcurrent1_4B(t *testing.T) {
	run(t, setup{maxraftstate: -1, restarts: true}, "Test (4B): concurrent puts and configuration changes", func(t *labtest.T, cfg *config, c *client) {
		runSchedule(cfg, c, 10, []action{
			pause(200 * time.Millisecond), join(1), pause(400 * time.Millisecond),
			join(2), pause(400 * time.Millisecond), leave(0),
			crashGroup(1), pause(150 * time.Millisecond), crashGroup(0), crashGroup(2),
			leave(1), pause(150 * time.Millisecond),
			startGroup(2), startGroup(0), startGroup(1),
			pause(100 * time.Millisecond), join(0), leave(2), pause(400 * time.Millisecond), join(2),
			pause(time.Second),
		})
	})
}

// TestConcurrent2_4B: more changes, back to back; groups not in the
// configuration crash and restart meanwhile.
func TestConcurrent2_4B(t *testing.T) {
	run(t, setup{maxraftstate: -1, restarts: true}, "Test (4B): more concurrent puts and configuration changes", func(t *labtest.T, cfg *config, c *client) {
		runSchedule(cfg, c, 10, []action{
			join(2), join(1), pause(300 * time.Millisecond),
			leave(0), leave(2), crashGroup(0), crashGroup(2), pause(300 * time.Millisecond),
			startGroup(0), join(0), leave(1), pause(300 * time.Millisecond),
			startGroup(2), join(2), join(1), crashGroup(1), pause(200 * time.Millisecond), startGroup(1),
			leave(2), join(2), pause(time.Second),
		})
	})
}

// TestConcurrent3_4B: concurrent changes with small snapshots, and crashes
// and restarts of groups that are in the configuration.
func TestConcurrent3_4B(t *testing.T) {
	run(t, setup{maxraftstate: 300, restarts: true}, "Test (4B): concurrent configuration changes and restarts", func(t *labtest.T, cfg *config, c *client) {
		var sched []action
		for round := range 8 {
			gi := round % ngroups
			sched = append(sched, crashGroup(gi), pause(100*time.Millisecond), startGroup(gi))
			if round%2 == 0 {
				sched = append(sched, join((gi+1)%ngroups), pause(200*time.Millisecond))
			} else {
				sched = append(sched, leave((gi+2)%ngroups), pause(200*time.Millisecond))
			}
		}
		sched = append(sched, join(0, 1, 2), pause(time.Second))
		runSchedule(cfg, c, 10, sched)
	})
}

// TestUnreliable1_4B: joins and leaves over a network that drops and delays
// messages, with sequential clients.
func TestUnreliable1_4B(t *testing.T) {
	run(t, setup{unreliable: true, maxraftstate: 100}, "Test (4B): unreliable 1", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(nshards, "u")
		cfg.join(1)
		cfg.join(2)
		cfg.leave(0)
		for round := range 6 {
			c.appendAll(keys, vals, fmt.Sprint("p", round))
			c.checkAll(keys, vals)
			if round%2 == 0 {
				cfg.join(0)
				cfg.leave(1)
			} else {
				cfg.join(1)
				cfg.leave(0)
			}
		}
	})
}

// TestUnreliable2_4B: concurrent appenders over a lossy network while
// groups join and leave: every append must land exactly once although
// requests are retried across reconfigurations.
func TestUnreliable2_4B(t *testing.T) {
	run(t, setup{unreliable: true, maxraftstate: 100}, "Test (4B): unreliable 2", func(t *labtest.T, cfg *config, c *client) {
		runSchedule(cfg, c, 10, []action{
			pause(200 * time.Millisecond), join(1), pause(500 * time.Millisecond),
			join(2), pause(500 * time.Millisecond), leave(0), pause(500 * time.Millisecond),
			leave(1), pause(500 * time.Millisecond), join(1), join(0), pause(2 * time.Second),
		})
	})
}

// TestUnreliable3_4B: clients Put, Append and Get random keys (several
// clients per key) over a lossy network while groups join and leave; only
// porcupine judges the result.
func TestUnreliable3_4B(t *testing.T) {
	run(t, setup{unreliable: true, maxraftstate: 100}, "Test (4B): unreliable 3", func(t *labtest.T, cfg *config, _ *client) {
		cfg.join(0)
		keys := keysAllShards(nshards)
		const nclients = 5
		cs := make([]*client, nclients)
		rngs := make([]*rand.Rand, nclients)
		for cli := range nclients {
			cs[cli], rngs[cli] = cfg.newClient(), kvtest.ClientRand(t.Seed, cli)
		}
		stop := kvtest.Clients(nclients, func(cli, j int) bool {
			c, rng := cs[cli], rngs[cli]
			k := keys[rng.IntN(len(keys))]
			switch rng.IntN(3) {
			case 0:
				c.Get(k)
			case 1:
				c.Put(k, fmt.Sprintf("%d.%d", cli, j))
			default:
				c.Append(k, kvtest.AppendValue(cli, j))
			}
			think(rng, 10)
			return true
		})
		cfg.play([]action{
			pause(300 * time.Millisecond), join(1), pause(400 * time.Millisecond), join(2),
			pause(400 * time.Millisecond), leave(0), pause(400 * time.Millisecond), leave(1),
			pause(400 * time.Millisecond), join(0), join(1), pause(time.Second),
		})
		stop()
	})
}

// TestChallenge1Delete4B (challenge 1): after shards have moved around,
// every group has deleted the shards it no longer owns, so the total
// persisted state is about one copy of the data per replica.
func TestChallenge1Delete4B(t *testing.T) {
	run(t, setup{maxraftstate: 1, restarts: true}, "Test (4B): challenge 1: shard deletion", func(t *labtest.T, cfg *config, c *client) {
		cfg.join(0)
		const nkeys, vsize = 30, 1000
		keys := keysAllShards(nkeys)
		vals := make([]string, nkeys)
		for i, k := range keys {
			vals[i] = fmt.Sprintf("%0*d", vsize, i)
			c.Put(k, vals[i])
		}
		for _, change := range []func(){
			func() { cfg.join(1) }, func() { cfg.join(2) }, func() { cfg.leave(0) },
			func() { cfg.join(0) }, func() { cfg.leave(1) }, func() { cfg.leave(2) },
			func() { cfg.join(1); cfg.join(2) },
		} {
			change()
			// Let the groups act on it: operations can take no virtual
			// time, and the check below would otherwise see only old
			// owners that have not noticed the change yet.
			time.Sleep(500 * time.Millisecond)
			c.checkAll(keys, vals)
		}

		// One copy of the data per replica, plus per-server overhead
		// (configs, duplicate tables, the Raft state of a few entries):
		// 3000 bytes, which makes the 6.824 limit for this data (117000
		// bytes in all). Without deletion the groups keep about three
		// times the data. Deletion happens in the background: allow it
		// some time.
		data := nkeys * vsize
		limit := nper*data + ngroups*nper*3000
		total := cfg.persistedBytes()
		for deadline := time.Now().Add(10 * time.Second); total > limit && time.Now().Before(deadline); total = cfg.persistedBytes() {
			time.Sleep(100 * time.Millisecond)
		}
		if total > limit {
			t.Fatalf("the servers persist %d bytes in all, more than %d (one copy of the %d bytes of data per replica plus overhead) 10 s after the last change: shards a group no longer owns are not deleted",
				total, limit, data)
		}
	})
}

// TestChallenge2Unaffected4B (challenge 2): while a group waits for shards
// it cannot get (their previous owner is down), it keeps serving the
// shards it already had.
func TestChallenge2Unaffected4B(t *testing.T) {
	run(t, setup{maxraftstate: 100, restarts: true}, "Test (4B): challenge 2: unaffected shards", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(nshards, "a")
		cfg.join(1)
		c.appendAll(keys, vals, "b")
		time.Sleep(settle)
		before := cfg.mck.Query(-1)

		cfg.ShutdownGroup(0)
		cfg.leave(0) // group 1 now owns everything, but group 0's shards are stuck
		time.Sleep(settle)
		var own []int
		for i, k := range keys {
			if cfg.ownerOf(before, k) == 1 {
				own = append(own, i)
			}
		}
		served := serveWithin(cfg, keys, vals, own, 3*time.Second)
		if len(served) != len(own) {
			t.Fatalf("group 1 served only %d of the %d keys of the shards it owned before group 0 left (keys %v): shards unaffected by a reconfiguration must stay available",
				len(served), len(own), own)
		}
		cfg.StartGroup(0)
		c.checkAll(keys, vals)
	})
}

// TestChallenge2Partial4B (challenge 2): a group that gains shards from two
// groups serves those that arrived while the others are still stuck.
func TestChallenge2Partial4B(t *testing.T) {
	run(t, setup{maxraftstate: 100, restarts: true}, "Test (4B): challenge 2: partial migration", func(t *labtest.T, cfg *config, c *client) {
		cfg.join(0, 1, 2)
		keys := keysAllShards(nshards)
		vals := c.putAll(keys, "a")
		time.Sleep(settle)
		before := cfg.mck.Query(-1)

		cfg.ShutdownGroup(2)
		cfg.leave(1, 2) // group 0 gets 1's shards (reachable) and 2's (stuck)
		time.Sleep(settle)
		var reachable []int
		for i, k := range keys {
			if cfg.ownerOf(before, k) != 2 {
				reachable = append(reachable, i)
			}
		}
		served := serveWithin(cfg, keys, vals, reachable, 3*time.Second)
		if len(served) != len(reachable) {
			t.Fatalf("group 0 served %d of the %d keys whose shards it had or could fetch (%v, served %v): an arrived shard must be served even if others are still missing",
				len(served), len(reachable), reachable, served)
		}
		cfg.StartGroup(2)
		c.checkAll(keys, vals)
	})
}

// serveWithin appends to each key keys[i], i in idx, from its own client,
// and returns the indices whose Append and following Get completed within
// d. Stragglers keep going until the test shuts the clerks down; vals is
// updated for those that completed.
func serveWithin(cfg *config, keys, vals []string, idx []int, d time.Duration) []int {
	var mu sync.Mutex
	var done []int
	for _, i := range idx {
		go func() {
			c := cfg.newClient()
			piece := fmt.Sprintf("+w%d", i)
			c.Append(keys[i], piece)
			v := c.Get(keys[i])
			if cfg.stopped() {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if v == vals[i]+piece {
				done = append(done, i)
			}
		}()
	}
	time.Sleep(d)
	mu.Lock()
	defer mu.Unlock()
	out := slices.Clone(done)
	slices.Sort(out)
	for _, i := range out {
		vals[i] += fmt.Sprintf("+w%d", i)
	}
	return out
}

// TestNoServeBeforeData4B (a classic bug): a group that has taken over
// shards in its configuration must not serve them before their data has
// arrived from the previous owner. The previous owner is down, so the data
// cannot arrive; reads of those keys must wait (spec: "serves a key only
// while it owns the shard ... and has the shard's data") and return the
// right values once the owner is back.
func TestNoServeBeforeData4B(t *testing.T) {
	run(t, setup{maxraftstate: -1, restarts: true}, "Test (4B): no shard is served before its data arrives", func(t *labtest.T, cfg *config, c *client) {
		keys, vals := c.startWithData(nshards, "d")
		cfg.ShutdownGroup(0)
		cfg.join(1)
		time.Sleep(settle) // group 1 takes over its shards, but cannot fetch them
		conf := cfg.mck.Query(-1)

		taken := 0
		for _, k := range keys {
			if cfg.ownerOf(conf, k) == 1 {
				taken++
			}
		}
		if taken == 0 {
			t.Fatalf("after group 1 joined, the controller's latest config %+v gives it no shards", conf)
		}

		var mu sync.Mutex
		var early []string // answers given while group 0 was down
		ownerBack := false
		var wg sync.WaitGroup
		for i, k := range keys {
			if cfg.ownerOf(conf, k) != 1 {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := cfg.newClient()
				v := g.Get(k)
				if cfg.stopped() {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if !ownerBack {
					early = append(early, fmt.Sprintf("%s=%q", k, v))
				} else if v != vals[i] {
					t.Errorf("Get(%q) = %q after the owner came back, want %q", k, v, vals[i])
				}
			}()
		}
		time.Sleep(2 * time.Second)
		mu.Lock()
		if len(early) > 0 {
			mu.Unlock()
			t.Fatalf("group 1 answered Gets (%v) for shards whose data is still at the crashed group 0", early)
		}
		ownerBack = true
		mu.Unlock()
		cfg.StartGroup(0)
		wg.Wait()
		c.checkAll(keys, vals)
	})
}

// TestKillStopsGoroutines4B grades the rule "Kill stops every goroutine"
// for the shard servers, once (see the top-level README, "Porting existing
// student code"): elsewhere a leftover goroutine is only a warning. Two
// groups serve and migrate shards; then every server is killed, and each
// goroutine StartServer started (config poller, migration senders, the
// apply loop, the Raft under it) must have returned within 5 s of virtual
// time. The groups must also have persisted Raft state, so a service that
// starts no goroutines cannot pass by leaking none.
func TestKillStopsGoroutines4B(t *testing.T) {
	run(t, setup{maxraftstate: -1}, "Test (4B): Kill stops every goroutine", func(t *labtest.T, cfg *config, c *client) {
		t.StrictLeaks()
		cfg.join(0)
		keys := keysAllShards(nshards)
		vals := c.putAll(keys, "v")
		cfg.join(1)
		c.checkAll(keys, vals)
		// A service that starts no goroutines leaks none: require that the
		// groups really ran Raft, which persists its state.
		if restartable() && cfg.persistedBytes() == 0 {
			t.Fatalf("no server persisted any Raft state: the operations never went through Raft")
		}
	})
}
