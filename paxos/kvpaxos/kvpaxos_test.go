package kvpaxos

// Part B, the classic scenarios of the 2015 assignment in our own words.
// Every test records its clients' operations and checks them with
// porcupine when it ends (config.cleanup), and the Paxos safety checker
// watches the servers throughout.

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestBasicB: Put, Append and Get through one clerk and then through clerks
// bound to single servers, and concurrent clients on different servers.
func TestBasicB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): basic put/append/get")

		ck := cfg.makeClerk()
		cfg.Append(ck, 0, "app", "x")
		cfg.Append(ck, 0, "app", "y")
		cfg.check(ck, 0, "app", "xy")
		cfg.Put(ck, 0, "a", "aa")
		cfg.check(ck, 0, "a", "aa")
		cfg.check(ck, 0, "missing", "")

		want := "aa"
		for i := 0; i < n; i++ { // every server serves, and sees every write
			one := cfg.makeClerk(i)
			cfg.check(one, 1+i, "a", want)
			want = "a" + strconv.Itoa(i)
			cfg.Put(one, 1+i, "a", want)
			cfg.check(ck, 0, "a", want)
		}

		var wg sync.WaitGroup
		for c := 0; c < n; c++ {
			one := cfg.makeClerk(c)
			wg.Go(func() {
				for k := 0; k < 10; k++ {
					cfg.Put(one, 10+c, "b", fmt.Sprintf("%d-%d", c, k))
					cfg.Get(one, 10+c, "b")
				}
			})
		}
		wg.Wait()
		cfg.end()
	})
}

// concurrentClients runs clients that each append to their own key and
// read it back, checking their own writes.
func concurrentClients(cfg *config, clients, ops int, firstClient int) {
	t := cfg.t
	var wg sync.WaitGroup
	errs := make(chan string, clients)
	for c := 0; c < clients; c++ {
		rng := newRandSeq(t.Seed, 100+c+firstClient)
		ck := cfg.makeClerk(rng.r.Perm(cfg.n)...)
		wg.Go(func() {
			key := "k" + strconv.Itoa(c)
			want := ""
			for k := 0; k < ops; k++ {
				v := fmt.Sprintf("[%d.%d]", c, k)
				if rng.intn(3) == 0 {
					cfg.Put(ck, firstClient+c, key, v)
					want = v
				} else {
					cfg.Append(ck, firstClient+c, key, v)
					want += v
				}
				if got := cfg.Get(ck, firstClient+c, key); got != want {
					errs <- fmt.Sprintf("client %d: Get(%q) = %q after its own writes; want %q", c, key, got, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

// TestConcurrentB: many clients at once, on servers in random order.
func TestConcurrentB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 5, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): concurrent clients")
		concurrentClients(cfg, 10, 20, 0)
		cfg.end()
	})
}

// TestDoneB: servers call Done once they have applied an instance, so Paxos
// forgets what every server has applied, including servers no client talks
// to.
func TestDoneB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): servers free Paxos memory")
		cks := []*Clerk{cfg.makeClerk(0), cfg.makeClerk(1), cfg.makeClerk(2)}
		big := strings.Repeat("z", 10_000)
		for k := 0; k < 100; k++ {
			cfg.Put(cks[k%n], k%n, "key"+strconv.Itoa(k%5), big+strconv.Itoa(k))
		}
		time.Sleep(2 * sec)      // every server applies everything and reports Done
		for i, ck := range cks { // traffic that carries the Done values
			cfg.Get(ck, i, "key0")
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
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): partitions")
		ck := cfg.makeClerk()
		cfg.Put(ck, 0, "1", "12")

		cfg.partition([]int{0, 1, 2}, []int{3}, []int{4})
		major := cfg.makeClerk(0, 1, 2)
		cfg.Put(major, 1, "1", "13")
		cfg.check(major, 1, "1", "13")

		cfg.partition([]int{0, 1}, []int{2, 3, 4})
		minor := cfg.makeClerk(0, 1)
		done := make(chan struct{})
		go func() {
			cfg.Put(minor, 2, "1", "14")
			close(done)
		}()
		select {
		case <-done:
			t.Fatalf("a Put completed in a partition of 2 of 5 servers")
		case <-time.After(3 * sec):
		}
		other := cfg.makeClerk(2, 3, 4)
		cfg.check(other, 3, "1", "13") // the majority side still serves

		cfg.heal()
		select {
		case <-done:
		case <-time.After(10 * sec):
			t.Fatalf("the minority's Put did not complete within 10 s of healing")
		}
		cfg.check(ck, 0, "1", "14")
		cfg.end()
	})
}

// TestUnreliableB: a sequence of writes and reads by one client, then
// concurrent clients, on a network that drops and delays messages; every
// write is applied exactly once.
func TestUnreliableB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		cfg := makeConfig(t, n, true)
		defer cfg.cleanup()
		cfg.begin("Test (B): unreliable network, basic and sequence")
		ck := cfg.makeClerk()
		cfg.Put(ck, 0, "a", "aa")
		cfg.check(ck, 0, "a", "aa")
		want := ""
		for k := 0; k < 30; k++ {
			v := "." + strconv.Itoa(k)
			cfg.Append(ck, 0, "seq", v)
			want += v
		}
		cfg.check(ck, 0, "seq", want)
		concurrentClients(cfg, 5, 10, 1)
		cfg.end()
	})
}

// TestUnreliableOneKeyB: concurrent clients append to one key over an
// unreliable network; each append appears exactly once, in each client's
// order.
func TestUnreliableOneKeyB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n       = 3
			clients = 3
			appends = 10
		)
		cfg := makeConfig(t, n, true)
		defer cfg.cleanup()
		cfg.begin("Test (B): unreliable network, concurrent appends to one key")
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			ck := cfg.makeClerk()
			wg.Go(func() {
				for k := 0; k < appends; k++ {
					cfg.Append(ck, c, "k", fmt.Sprintf("(%d %d)", c, k))
					cfg.Get(ck, c, "k") // reads keep porcupine's search small
				}
			})
		}
		wg.Wait()
		got := cfg.Get(cfg.makeClerk(), clients, "k")
		for c := 0; c < clients; c++ {
			last := -1
			for k := 0; k < appends; k++ {
				item := fmt.Sprintf("(%d %d)", c, k)
				if cnt := strings.Count(got, item); cnt != 1 {
					t.Fatalf("append %s appears %d times in %q; an acknowledged append is applied exactly once", item, cnt, got)
				}
				at := strings.Index(got, item)
				if at < last {
					t.Fatalf("client %d's appends are out of order in %q", c, got)
				}
				last = at
			}
		}
		cfg.end()
	})
}

// TestHoleB: servers cut off from the majority miss instances; when a
// server returns it must learn the decided instances it missed (the holes
// in its sequence) before it serves anything.
func TestHoleB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): tolerates holes in the sequence")
		ck := cfg.makeClerk()
		cfg.Put(ck, 0, "q", "q")
		for round := 0; round < 5; round++ {
			cfg.partition([]int{0, 1, 2}, []int{3, 4})
			var wg sync.WaitGroup
			for c := 0; c < 3; c++ {
				mine := cfg.makeClerk(c)
				wg.Go(func() {
					for k := 0; k < 5; k++ {
						cfg.Put(mine, 1+c, "q", fmt.Sprintf("r%d-c%d-k%d", round, c, k))
					}
				})
			}
			wg.Wait()
			last := cfg.Get(cfg.makeClerk(0), 4, "q")
			// 3 and 4 come back, 0 and 1 leave: a read at 3 or 4 needs
			// every instance decided while they were away.
			cfg.partition([]int{0, 1}, []int{2, 3, 4})
			for _, s := range []int{3, 4} {
				cfg.check(cfg.makeClerk(s), 5+s, "q", last)
			}
			cfg.heal()
		}
		cfg.end()
	})
}

// TestManyPartitionB: many clients while the partitions change at random on
// an unreliable network; after healing every client finishes.
func TestManyPartitionB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		cfg := makeConfig(t, n, true)
		defer cfg.cleanup()
		cfg.begin("Test (B): many clients, changing partitions")
		stop := make(chan struct{})
		var part sync.WaitGroup
		part.Go(func() {
			rng := newRandSeq(t.Seed, 1)
			for {
				groups := make([][]int, 2)
				for i := 0; i < n; i++ {
					g := rng.intn(2)
					groups[g] = append(groups[g], i)
				}
				cfg.partition(groups...)
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(200+rng.intn(400)) * ms):
				}
			}
		})
		go func() {
			time.Sleep(15 * sec)
			close(stop)
		}()
		var clients sync.WaitGroup
		for c := 0; c < 10; c++ {
			rng := newRandSeq(t.Seed, 10+c)
			ck := cfg.makeClerk(rng.r.Perm(n)...)
			clients.Go(func() {
				key := "k" + strconv.Itoa(c%3)
				for k := 0; ; k++ {
					select {
					case <-stop:
						return
					default:
					}
					if rng.intn(2) == 0 {
						cfg.Append(ck, c, key, fmt.Sprintf("<%d.%d>", c, k))
					} else {
						cfg.Get(ck, c, key)
					}
					// A pause that always blocks: clients that never block
					// would stop virtual time (and hang on a stub Clerk).
					time.Sleep(time.Duration(1+rng.intn(20)) * ms)
				}
			})
		}
		part.Wait()
		cfg.heal()
		finished := make(chan struct{})
		go func() { clients.Wait(); close(finished) }()
		select {
		case <-finished:
		case <-time.After(20 * sec):
			t.Fatalf("clients still blocked 20 s after healing")
		}
		cfg.end()
	})
}
