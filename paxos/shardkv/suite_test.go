package shardkv

// The 2015 scenarios (lab 4 part B) in our own words, under their 2015
// names, on labrpc in virtual time. Every test's history is checked with
// porcupine when it ends.

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/paxos/shardmaster"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// putKeys stores n random keys with random values through c.
func putKeys(t *labtest.T, c *client, n int) (keys, vals []string) {
	keys, vals = make([]string, n), make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(t.Rand.Int())
		vals[i] = strconv.Itoa(t.Rand.Int())
		c.Put(keys[i], vals[i])
	}
	return keys, vals
}

// recheck checks every key's value and gives each a new one.
func recheck(t *labtest.T, c *client, keys, vals []string) {
	t.Helper()
	for i := range keys {
		c.check(keys[i], vals[i])
		vals[i] = strconv.Itoa(t.Rand.Int())
		c.Put(keys[i], vals[i])
	}
}

// joinsAndLeaves stores 10 keys, then lets the other groups join one by
// one and all but the last leave one by one, checking and rewriting every
// key after each change. A group that left is given settle to hand its
// shards over (then killed, with kill) before the check.
func joinsAndLeaves(t *labtest.T, cfg *config, c *client, settle time.Duration, kill bool) {
	t.Helper()
	keys, vals := putKeys(t, c, 10)
	for gi := 1; gi < ngroups; gi++ {
		cfg.join(gi)
		time.Sleep(1 * sec)
		recheck(t, c, keys, vals)
	}
	for gi := 0; gi < ngroups-1; gi++ {
		cfg.leave(gi)
		time.Sleep(settle)
		if kill {
			cfg.groups[gi].Shutdown()
		}
		recheck(t, c, keys, vals)
	}
}

// TestBasic: the data survive groups joining one by one and then leaving
// until one is left.
func TestBasic(t *testing.T) {
	run(t, false, "basic Join/Leave", func(t *labtest.T, cfg *config) {
		cfg.join(0)
		c := cfg.newClient()
		c.Put("a", "x")
		c.Append("a", "b")
		c.check("a", "xb")
		joinsAndLeaves(t, cfg, c, 1*sec, false)
	})
}

// TestMove: shards really move. After group 1 joins, group 0 is cut off
// from everyone (as in 2015, its sockets removed): a Get succeeds for
// exactly the keys of the shards group 1 now serves.
func TestMove(t *testing.T) {
	run(t, false, "shards really move", func(t *labtest.T, cfg *config) {
		cfg.join(0)
		c := cfg.newClient()
		key := func(s int) string { return string(rune('0' + s)) } // one key per shard
		for s := 0; s < shardmaster.NShards; s++ {
			c.Put(key(s), key(s))
		}
		cfg.join(1)
		time.Sleep(5 * sec)
		for s := 0; s < shardmaster.NShards; s++ {
			c.check(key(s), key(s))
		}
		moved := 0
		for _, g := range cfg.mck.Query(-1).Shards {
			if g == cfg.groups[1].gid {
				moved++
			}
		}
		for i := 0; i < nreplicas; i++ {
			cfg.net.DeleteServer(cfg.groups[0].ServerName(i))
		}
		var count atomic.Int32
		clients := make([]*client, shardmaster.NShards)
		for s := range clients {
			clients[s] = cfg.newClient()
		}
		wrong := make(chan string, shardmaster.NShards)
		for s := range clients {
			go func() {
				if v := clients[s].Get(key(s)); v == key(s) {
					count.Add(1)
				} else if !cfg.h.Stopped() {
					wrong <- "Get(" + key(s) + ") yielded " + strconv.Quote(v)
				}
			}()
		}
		time.Sleep(10 * sec)
		select {
		case w := <-wrong:
			t.Fatal(w)
		default:
		}
		if got := count.Load(); int(got) != moved {
			t.Fatalf("%d keys could be read with group 0 cut off; want %d, the shards group 1 serves", got, moved)
		}
	})
}

// TestLimp: reconfigurations complete with one server of every group dead,
// and a group that left can be killed 2 s later without losing data.
func TestLimp(t *testing.T) {
	run(t, false, "reconfiguration with some dead replicas", func(t *labtest.T, cfg *config) {
		cfg.join(0)
		c := cfg.newClient()
		c.Put("a", "b")
		c.check("a", "b")
		for _, gg := range cfg.groups {
			gg.Crash(t.Rand.IntN(nreplicas))
		}
		joinsAndLeaves(t, cfg, c, 2*sec, true)
	})
}

// concurrent runs 11 clients that each append to their own key, read it
// back and move a random shard to a random group, three times over.
func concurrent(t *labtest.T, cfg *config) {
	for gi := 0; gi < ngroups; gi++ {
		cfg.join(gi)
	}
	const npara = 11
	clients := make([]*client, npara)
	for i := range clients {
		clients[i] = cfg.newClient()
	}
	errs := make(chan string, npara)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := kvtest.ClientRand(t.Seed, i)
			_, ends := cfg.masters.NewClient()
			mck := shardmaster.MakeClerk(ends)
			key, last := strconv.Itoa(i), ""
			for range 3 {
				nv := strconv.Itoa(r.Int())
				clients[i].Append(key, nv)
				last += nv
				if v := clients[i].Get(key); v != last && !cfg.h.Stopped() {
					errs <- "Get(" + key + ") = " + strconv.Quote(v) + ", want " + strconv.Quote(last)
					return
				}
				mck.Move(r.IntN(shardmaster.NShards), cfg.groups[r.IntN(ngroups)].gid)
				time.Sleep(time.Duration(r.IntN(30)) * ms)
			}
		})
	}
	wg.Wait()
	select {
	case e := <-errs:
		t.Fatal(e)
	default:
	}
}

// TestConcurrent: concurrent Put/Get/Move on a reliable network.
func TestConcurrent(t *testing.T) {
	run(t, false, "concurrent Put/Get/Move", concurrent)
}

// TestConcurrentUnreliable: the same on a network that drops and delays
// requests and replies.
func TestConcurrentUnreliable(t *testing.T) {
	run(t, true, "concurrent Put/Get/Move (unreliable)", concurrent)
}
