package shardkv

// Targeted tests: each cites the rule it checks.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/paxos/shardmaster"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// TestNoServeBeforeData checks that a group serves a shard it gained only
// once the shard's data arrived.
//
// The rule (2015 lab 4B, "Hints"): when a group gains a shard in a new
// configuration it must get the shard's keys and values from the shard's
// previous owner before it serves requests for them; answering from an
// empty copy loses the shard's data. Here the previous owner (group 0) is
// cut off from everyone before group 1 joins, so the data cannot arrive:
// a Get of a moved key may wait, but must never return a wrong value.
func TestNoServeBeforeData(t *testing.T) {
	run(t, false, "no serving before the data arrived", func(t *labtest.T, cfg *config) {
		cfg.join(0)
		c := cfg.newClient()
		key := func(s int) string { return string(rune('0' + s)) } // one key per shard
		for s := 0; s < shardmaster.NShards; s++ {
			c.Put(key(s), "v"+key(s))
		}
		for i := 0; i < nreplicas; i++ {
			cfg.net.DeleteServer(cfg.groups[0].ServerName(i))
		}
		cfg.join(1)
		wrong := make(chan string, shardmaster.NShards)
		for s := 0; s < shardmaster.NShards; s++ {
			cl := cfg.newClient()
			go func() {
				if v := cl.Get(key(s)); v != "v"+key(s) && !cfg.h.Stopped() {
					wrong <- fmt.Sprintf("Get(%q) = %q, want %q: group 1 served shard %d before its data arrived from group 0", key(s), v, "v"+key(s), key2shard(key(s)))
				}
			}()
		}
		select {
		case w := <-wrong:
			t.Fatal(w)
		case <-time.After(5 * sec):
		}
	})
}

// TestAppendOnceAcrossMoves checks that exactly-once survives shard moves.
//
// The rule (2015 lab 4B, "Hints"): a shard moves with the duplicate
// detection state of its old owner, so that a Clerk that retries an Append
// at the new owner (its reply from the old owner was lost, and the old
// owner then answered ErrWrongGroup) does not get it applied twice. Here
// clients append to keys of a few shards on a lossy network while the test
// moves those shards between the groups every 150 ms; every appended value
// must appear exactly once, in each client's order.
func TestAppendOnceAcrossMoves(t *testing.T) {
	run(t, true, "Append exactly once across shard moves (unreliable)", func(t *labtest.T, cfg *config) {
		for gi := 0; gi < ngroups; gi++ {
			cfg.join(gi)
		}
		const nclients, nappends = 6, 15
		keys := []string{"a", "b", "c"} // shards 7, 8, 9
		done := make(chan struct{})
		var mover sync.WaitGroup
		mover.Go(func() {
			r := kvtest.ClientRand(t.Seed, nclients) // the clients' rows are 0..nclients-1
			for k := 0; ; k++ {
				select {
				case <-done:
					return
				case <-time.After(150 * ms):
				}
				cfg.mck.Move(key2shard(keys[k%len(keys)]), cfg.groups[r.IntN(ngroups)].gid)
			}
		})
		var wg sync.WaitGroup
		for i := 0; i < nclients; i++ {
			cl := cfg.newClient()
			wg.Go(func() {
				key := keys[i%len(keys)]
				for j := 0; j < nappends; j++ {
					cl.Append(key, kvtest.AppendValue(i, j))
				}
			})
		}
		wg.Wait()
		close(done)
		mover.Wait()
		c := cfg.newClient()
		for _, key := range keys {
			final := c.Get(key)
			if err := cfg.h.CheckAppends(key, final); err != nil {
				t.Fatalf("key %q: %v", key, err)
			}
		}
		cfg.h.Skip("the appends are checked directly (CheckAppends)")
	})
}

// TestKillStopsGoroutines checks the Kill rule whatever the harness's
// leak policy is.
//
// The lab's rule: after Kill every goroutine of the server exits, those of
// its Paxos peer included, even while it waits for agreement or for a
// shard (here: group 1 joined, then every server of both groups cut off
// alone, so the move cannot finish).
func TestKillStopsGoroutines(t *testing.T) {
	run(t, false, "Kill stops every goroutine", func(t *labtest.T, cfg *config) {
		cfg.join(0)
		c := cfg.newClient()
		for s := 0; s < 10; s++ {
			c.Put(string(rune('0'+s)), "x")
		}
		for _, gg := range cfg.groups {
			gg.Partition() // everyone alone
		}
		cfg.join(1)
		time.Sleep(3 * sec)
		for _, gg := range cfg.groups {
			gg.Shutdown()
		}
		cfg.masters.Shutdown()
		t.CheckStopped(3*sec, "after every server was killed", "distlabs/paxos/shardkv", "distlabs/paxos", "distlabs/internal/rsm")
	})
}
