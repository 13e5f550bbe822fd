package paxos

// The randomized nemesis of part A: proposers keep starting instances on
// random peers while a nemesis partitions the group, makes the network
// unreliable and reliable again, and kills peers (never more than a
// minority: a killed Paxos peer does not come back, since the lab's Paxos
// keeps no stable storage). Peers call Done at random on what they have
// decided, so forgetting runs under the same faults. The safety checker of
// config_test.go watches every instance throughout.
//
// Liveness is checked once the nemesis stops: with the network healed and
// reliable, every instance anyone proposed is decided (or forgotten) on every
// live peer.

import (
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 40 * time.Second

func TestNemesisA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n          = 5
			proposers  = 3
			maxKilled  = (n - 1) / 2
			nemesisGap = 400 * ms
		)
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): randomized nemesis (partitions, unreliable links, kills, Done)")

		// Each goroutine draws from its own source, seeded by the test, so
		// the choices do not depend on how the goroutines interleave.
		rngs := make([]*randSeq, proposers+2)
		for i := range rngs {
			rngs[i] = newRandSeq(t.Seed, i)
		}
		var nextSeq sync.Mutex
		seq := 0
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for p := 0; p < proposers; p++ {
			rng := rngs[p]
			wg.Go(func() {
				for {
					nextSeq.Lock()
					s := seq
					seq++
					nextSeq.Unlock()
					for k := 1 + rng.intn(2); k > 0; k-- {
						c.start(rng.intn(n), s, value{Seq: s, Peer: p, Bytes: "v"})
					}
					select {
					case <-stop:
						return
					case <-time.After(time.Duration(50+rng.intn(100)) * ms):
					}
				}
			})
		}
		wg.Go(func() { // Done at random, on a decided prefix
			rng := rngs[proposers]
			for {
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(200+rng.intn(800)) * ms):
				}
				i := rng.intn(n)
				px := c.peer(i)
				if px == nil {
					continue
				}
				upto := px.Min() - 1
				for fate, _ := px.Status(upto + 1); fate == Decided; fate, _ = px.Status(upto + 1) {
					upto++
				}
				px.Done(upto)
			}
		})
		killed := 0
		rng := rngs[proposers+1]
		deadline := time.Now().Add(nemesisDuration)
		for time.Now().Before(deadline) {
			switch k := rng.intn(10); {
			case k < 5:
				groups := make([][]int, 1+rng.intn(3))
				for i := 0; i < n; i++ {
					g := rng.intn(len(groups))
					groups[g] = append(groups[g], i)
				}
				c.partition(groups...)
			case k < 7:
				c.heal()
			case k < 9:
				c.net.Reliable(rng.intn(2) == 0)
			default:
				if killed < maxKilled {
					c.kill(rng.intn(n)) // killing a dead peer again is harmless
					killed++
				}
			}
			time.Sleep(time.Duration(rng.intn(int(nemesisGap/ms))) * ms)
		}
		close(stop)
		wg.Wait()

		c.heal()
		c.net.Reliable(true)
		nextSeq.Lock()
		total := seq
		nextSeq.Unlock()
		live := 0
		for i := 0; i < n; i++ {
			if c.peer(i) != nil {
				live++
			}
		}
		for s := 0; s < total; s++ {
			for i := 0; i < n; i++ {
				c.start(i, s, value{Seq: s, Peer: -1, Bytes: "final"})
			}
		}
		limit := time.Now().Add(30 * sec)
		for s := 0; s < total; s++ {
			for i := 0; i < n; i++ {
				for {
					px := c.peer(i)
					if px == nil {
						break
					}
					if fate, _ := c.status(i, s); fate != Pending {
						break
					}
					if time.Now().After(limit) {
						t.Fatalf("instance %d still pending on peer %d 30 s after the nemesis stopped (%d live peers, healed, reliable)", s, i, live)
					}
					time.Sleep(50 * ms)
				}
			}
		}
		c.end(total)
	})
}
