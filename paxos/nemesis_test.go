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
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 40 * time.Second

func TestNemesisA(t *testing.T) {
	const (
		n          = 5
		proposers  = 3
		maxKilled  = (n - 1) / 2
		nemesisGap = 400 * ms
	)
	run(t, n, false, "randomized nemesis (partitions, unreliable links, kills, Done)", func(t *labtest.T, c *cluster) {
		// Each goroutine draws from its own source, seeded by the test, so
		// the choices do not depend on how the goroutines interleave.
		var nextSeq sync.Mutex
		seq := 0
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for p := 0; p < proposers; p++ {
			rng := kvtest.ClientRand(t.Seed, p)
			wg.Go(func() {
				for {
					nextSeq.Lock()
					s := seq
					seq++
					nextSeq.Unlock()
					for k := 1 + rng.IntN(2); k > 0; k-- {
						c.start(rng.IntN(n), s, value{Seq: s, Peer: p, Bytes: "v"})
					}
					if !pause(stop, time.Duration(50+rng.IntN(100))*ms) {
						return
					}
				}
			})
		}
		wg.Go(func() { // Done at random, on a decided prefix
			rng := kvtest.ClientRand(t.Seed, proposers)
			for pause(stop, time.Duration(200+rng.IntN(800))*ms) {
				px := c.peer(rng.IntN(n))
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
		rng := kvtest.ClientRand(t.Seed, proposers+1)
		deadline := time.Now().Add(nemesisDuration)
		for time.Now().Before(deadline) {
			switch k := rng.IntN(10); {
			case k < 5:
				c.g.Partition(tester.RandomGroups(n, 1+rng.IntN(3), rng.IntN)...)
			case k < 7:
				c.g.ConnectAll()
			case k < 9:
				c.net.Reliable(rng.IntN(2) == 0)
			default:
				if killed < maxKilled {
					c.kill(rng.IntN(n)) // killing a dead peer again is harmless
					killed++
				}
			}
			time.Sleep(time.Duration(rng.IntN(int(nemesisGap/ms))) * ms)
		}
		close(stop)
		wg.Wait()

		c.g.ConnectAll()
		c.net.Reliable(true)
		nextSeq.Lock()
		total := seq
		nextSeq.Unlock()
		for s := 0; s < total; s++ {
			c.startAll(s, same(value{Seq: s, Peer: -1, Bytes: "final"}))
		}
		after := fmt.Sprintf("after the nemesis stopped (%d live peers, healed, reliable)", len(c.g.Up()))
		c.waitSettled(total, 30*sec, after)
		c.end(total)
	})
}
