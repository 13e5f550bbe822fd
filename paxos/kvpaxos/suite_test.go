package kvpaxos

// Part B, the classic scenarios of the 2015 assignment in our own words.
// Every test records its clients' operations and checks them with
// porcupine when it ends (config.cleanup), and the Paxos safety checker
// watches the servers throughout.

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// TestBasicB: Put, Append and Get through one clerk and then through clerks
// bound to single servers, and concurrent clients on different servers.
func TestBasicB(t *testing.T) {
	const n = 3
	run(t, n, false, "basic put/append/get", func(t *labtest.T, cfg *config) {
		h, ck := cfg.h, cfg.makeClerk()
		h.Append(ck, 0, "app", "x")
		h.Append(ck, 0, "app", "y")
		h.Expect(ck, 0, "app", "xy")
		h.Put(ck, 0, "a", "aa")
		h.Expect(ck, 0, "a", "aa")
		h.Expect(ck, 0, "missing", "")

		want := "aa"
		for i := 0; i < n; i++ { // every server serves, and sees every write
			one := cfg.makeClerk(i)
			h.Expect(one, 1+i, "a", want)
			want = "a" + strconv.Itoa(i)
			h.Put(one, 1+i, "a", want)
			h.Expect(ck, 0, "a", want)
		}

		ones := cfg.clerksOn(0, 1, 2)
		parallel(n, func(c int) {
			for k := 0; k < 10; k++ {
				h.Put(ones[c], 10+c, "b", fmt.Sprintf("%d-%d", c, k))
				h.Get(ones[c], 10+c, "b")
			}
		})
		cfg.end()
	})
}

// concurrentClients runs clients that each append to their own key and
// read it back, checking their own writes.
func (cfg *config) concurrentClients(clients, ops int, firstClient int) {
	cks, rngs := cfg.randomClerks(clients, 100+firstClient, nil)
	errs := make(chan string, clients)
	parallel(clients, func(c int) {
		ck, cli, key, want := cks[c], firstClient+c, "k"+strconv.Itoa(c), ""
		for k := 0; k < ops; k++ {
			v := fmt.Sprintf("[%d.%d]", c, k)
			if rngs[c].IntN(3) == 0 {
				cfg.h.Put(ck, cli, key, v)
				want = v
			} else {
				cfg.h.Append(ck, cli, key, v)
				want += v
			}
			if got := cfg.h.Get(ck, cli, key); got != want {
				errs <- fmt.Sprintf("client %d: Get(%q) = %q after its own writes; want %q", c, key, got, want)
				return
			}
		}
	})
	close(errs)
	for e := range errs {
		cfg.t.Fatal(e)
	}
}

// TestConcurrentB: many clients at once, on servers in random order.
func TestConcurrentB(t *testing.T) {
	run(t, 5, false, "concurrent clients", func(t *labtest.T, cfg *config) {
		cfg.concurrentClients(10, 20, 0)
		cfg.end()
	})
}

// TestDoneB: servers call Done once they have applied an instance, so Paxos
// forgets what every server has applied, including servers no client talks
// to.
func TestDoneB(t *testing.T) {
	const n = 3
	run(t, n, false, "servers free Paxos memory", func(t *labtest.T, cfg *config) {
		cks := cfg.clerksOn(0, 1, 2)
		big := strings.Repeat("z", 10_000)
		for k := 0; k < 100; k++ {
			cfg.h.Put(cks[k%n], k%n, "key"+strconv.Itoa(k%5), big+strconv.Itoa(k))
		}
		time.Sleep(2 * sec)      // every server applies everything and reports Done
		for i, ck := range cks { // traffic that carries the Done values
			cfg.h.Get(ck, i, "key0")
		}
		time.Sleep(sec)
		for i := 0; i < n; i++ {
			px := cfg.server(i).px
			if lo, hi := px.Min(), px.Max(); hi-lo > 5 {
				t.Fatalf("server %d: Paxos Min() = %d, Max() = %d after 103 operations and 3 quiet seconds; every server must call Done on what it applied (at most 5 instances may remain)", i, lo, hi)
			}
		}
		cfg.end()
	})
}

// TestPartitionB: a majority partition serves, a minority does not, and the
// minority's pending request completes after healing.
func TestPartitionB(t *testing.T) {
	run(t, 5, false, "partitions", func(t *labtest.T, cfg *config) {
		h, ck := cfg.h, cfg.makeClerk()
		h.Put(ck, 0, "1", "12")

		cfg.g.Partition([]int{0, 1, 2}, []int{3}, []int{4})
		major := cfg.makeClerk(0, 1, 2)
		h.Put(major, 1, "1", "13")
		h.Expect(major, 1, "1", "13")

		cfg.g.Partition([]int{0, 1}, []int{2, 3, 4})
		minor := cfg.makeClerk(0, 1)
		done := background(func() { h.Put(minor, 2, "1", "14") })
		select {
		case <-done:
			t.Fatalf("a Put completed in a partition of 2 of 5 servers")
		case <-time.After(3 * sec):
		}
		h.Expect(cfg.makeClerk(2, 3, 4), 3, "1", "13") // the majority side still serves

		cfg.g.ConnectAll()
		cfg.waitDone(done, 10*sec, "the minority's Put did not complete within 10 s of healing")
		h.Expect(ck, 0, "1", "14")
		cfg.end()
	})
}

// TestUnreliableB: a sequence of writes and reads by one client, then
// concurrent clients, on a network that drops and delays messages; every
// write is applied exactly once.
func TestUnreliableB(t *testing.T) {
	run(t, 3, true, "unreliable network, basic and sequence", func(t *labtest.T, cfg *config) {
		h, ck := cfg.h, cfg.makeClerk()
		h.Put(ck, 0, "a", "aa")
		h.Expect(ck, 0, "a", "aa")
		want := ""
		for k := 0; k < 30; k++ {
			v := "." + strconv.Itoa(k)
			h.Append(ck, 0, "seq", v)
			want += v
		}
		h.Expect(ck, 0, "seq", want)
		cfg.concurrentClients(5, 10, 1)
		cfg.end()
	})
}

// TestUnreliableOneKeyB: concurrent clients append to one key over an
// unreliable network; each append appears exactly once, in each client's
// order.
func TestUnreliableOneKeyB(t *testing.T) {
	const (
		clients = 3
		appends = 10
	)
	run(t, 3, true, "unreliable network, concurrent appends to one key", func(t *labtest.T, cfg *config) {
		cks := make([]*Clerk, clients)
		for c := range cks {
			cks[c] = cfg.makeClerk()
		}
		parallel(clients, func(c int) {
			for k := 0; k < appends; k++ {
				cfg.h.Append(cks[c], c, "k", kvtest.AppendValue(c, k))
				cfg.h.Get(cks[c], c, "k") // reads keep porcupine's search small
			}
		})
		got := cfg.h.Get(cfg.makeClerk(), clients, "k")
		for c := 0; c < clients; c++ {
			if err := kvtest.CheckClientAppends(c, got, appends); err != nil {
				t.Fatal(err)
			}
		}
		cfg.end()
	})
}

// TestHoleB: servers cut off from the majority miss instances; when a
// server returns it must learn the decided instances it missed (the holes
// in its sequence) before it serves anything.
func TestHoleB(t *testing.T) {
	run(t, 5, false, "tolerates holes in the sequence", func(t *labtest.T, cfg *config) {
		h := cfg.h
		h.Put(cfg.makeClerk(), 0, "q", "q")
		for round := 0; round < 5; round++ {
			cfg.g.Partition([]int{0, 1, 2}, []int{3, 4})
			mine := cfg.clerksOn(0, 1, 2)
			parallel(3, func(c int) {
				for k := 0; k < 5; k++ {
					h.Put(mine[c], 1+c, "q", fmt.Sprintf("r%d-c%d-k%d", round, c, k))
				}
			})
			last := h.Get(cfg.makeClerk(0), 4, "q")
			// 3 and 4 come back, 0 and 1 leave: a read at 3 or 4 needs
			// every instance decided while they were away.
			cfg.g.Partition([]int{0, 1}, []int{2, 3, 4})
			for _, s := range []int{3, 4} {
				h.Expect(cfg.makeClerk(s), 5+s, "q", last)
			}
			cfg.g.ConnectAll()
		}
		cfg.end()
	})
}

// TestManyPartitionB: many clients while the partitions change at random on
// an unreliable network; after healing every client finishes.
func TestManyPartitionB(t *testing.T) {
	const (
		n       = 5
		clients = 10
	)
	run(t, n, true, "many clients, changing partitions", func(t *labtest.T, cfg *config) {
		cks, rngs := cfg.randomClerks(clients, 10, nil)
		stop := kvtest.Clients(clients, func(c, k int) bool {
			key := "k" + strconv.Itoa(c%3)
			if rngs[c].IntN(2) == 0 {
				cfg.h.Append(cks[c], c, key, kvtest.AppendValue(c, k))
			} else {
				cfg.h.Get(cks[c], c, key)
			}
			// A pause that always blocks: clients that never block
			// would stop virtual time (and hang on a stub Clerk).
			time.Sleep(time.Duration(1+rngs[c].IntN(20)) * ms)
			return true
		})
		for deadline := time.Now().Add(15 * sec); time.Now().Before(deadline); {
			cfg.g.Partition(tester.RandomGroups(n, 2, t.Rand.IntN)...)
			time.Sleep(time.Duration(200+t.Rand.IntN(400)) * ms)
		}
		cfg.g.ConnectAll()
		cfg.waitDone(background(stop), 20*sec, "clients still blocked 20 s after healing")
		cfg.end()
	})
}
