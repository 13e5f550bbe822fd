package paxos

// Part A, the classic scenarios of the 2015 assignment in our own words:
// agreement with one or many proposers, instances in any order, deaf peers,
// forgetting, RPC economy, many instances, stale minorities, partitions and
// an unreliable network. The safety checker of config_test.go runs under
// every one of them.

import (
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestSingleProposerA: one peer proposes, every peer learns the value.
func TestSingleProposerA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeCluster(t, 3, false)
		defer c.cleanup()
		c.begin("Test (A): single proposer")
		c.start(0, 0, "hello")
		c.waitn(0, 3)
		if v := c.decidedValue(0); v != "hello" {
			t.Fatalf("decided %v; the only proposal was %q", v, "hello")
		}
		c.end(1)
	})
}

// TestManyProposersSameValueA: every peer proposes the same value.
func TestManyProposersSameValueA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeCluster(t, 3, false)
		defer c.cleanup()
		c.begin("Test (A): many proposers, same value")
		for i := 0; i < c.n; i++ {
			c.start(i, 1, 77)
		}
		c.waitn(1, 3)
		c.end(1)
	})
}

// TestManyProposersDifferentValuesA: every peer proposes its own value at
// once; they must converge on one of them.
func TestManyProposersDifferentValuesA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeCluster(t, 5, false)
		defer c.cleanup()
		c.begin("Test (A): many proposers, different values")
		for i := 0; i < c.n; i++ {
			c.start(i, 2, 100+i)
		}
		c.waitn(2, 5)
		c.end(1)
	})
}

// TestOutOfOrderA: instances are independent: later ones may be started and
// decided first, and Max reports the highest one heard of.
func TestOutOfOrderA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeCluster(t, 3, false)
		defer c.cleanup()
		c.begin("Test (A): out-of-order instances")
		for _, seq := range []int{7, 6, 5} {
			c.start(seq%3, seq, seq*10)
		}
		c.waitn(6, 3)
		c.waitn(7, 3)
		c.start(0, 4, 40)
		for seq := 4; seq <= 7; seq++ {
			c.waitn(seq, 3)
		}
		for i := 0; i < c.n; i++ {
			if m := c.peer(i).Max(); m != 7 {
				t.Fatalf("peer %d: Max() = %d after instances 4..7 were decided everywhere; want 7", i, m)
			}
		}
		c.end(4)
	})
}

// TestDeafA: a peer that cannot receive requests still learns decisions by
// proposing itself, because its prepare replies carry the accepted value.
func TestDeafA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): deaf proposer")
		c.start(0, 0, "first")
		c.waitn(0, n)

		c.deafen(0)
		c.deafen(n - 1)
		c.start(1, 1, "goodbye")
		c.waitMajority(1)
		time.Sleep(sec)
		c.checkAtMost(1, n-2)

		c.start(0, 1, "xxx") // the deaf peer proposes another value: it must learn "goodbye"
		c.waitn(1, n-1)
		time.Sleep(sec)
		c.checkAtMost(1, n-1)

		c.start(n-1, 1, "yyy")
		c.waitn(1, n)
		if v := c.decidedValue(1); v != "goodbye" {
			t.Fatalf("instance 1 decided %v; a majority had decided %q before the deaf peers proposed", v, "goodbye")
		}
		c.end(2)
	})
}

// TestForgetA: Min stays 0 until every peer has called Done; then the
// instances all peers are done with are forgotten everywhere.
func TestForgetA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 6
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): forgetting")
		checkMin := func(want int, why string) {
			t.Helper()
			for i := 0; i < n; i++ {
				if m := c.peer(i).Min(); m != want {
					t.Fatalf("peer %d: Min() = %d %s; want %d", i, m, why, want)
				}
			}
		}
		checkMin(0, "in a new group")
		c.start(0, 0, "00")
		c.start(1, 1, "11")
		c.start(2, 2, "22")
		c.start(0, 6, "66")
		c.start(1, 7, "77")
		c.waitn(0, n)
		checkMin(0, "before anyone called Done")
		c.waitn(1, n)
		checkMin(0, "before anyone called Done")

		// Everyone but peer 0 is done with 0 and 1; peer 0 only with 0.
		for i := 0; i < n; i++ {
			c.peer(i).Done(0)
		}
		for i := 1; i < n; i++ {
			c.peer(i).Done(1)
		}
		for i := 0; i < n; i++ {
			c.start(i, 8+i, "xx") // traffic that carries the Done values
		}
		deadline := time.Now().Add(12 * sec)
		for {
			ok := true
			for i := 0; i < n; i++ {
				if c.peer(i).Min() != 1 {
					ok = false
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				for i := 0; i < n; i++ {
					if m := c.peer(i).Min(); m != 1 {
						t.Fatalf("peer %d: Min() = %d after every peer called Done(0) (and peer 0 only that); want 1", i, m)
					}
				}
			}
			time.Sleep(sec)
		}
		for i := 0; i < n; i++ {
			if fate, _ := c.status(i, 0); fate != Forgotten {
				t.Fatalf("peer %d: Status(0) = %v below Min; want Forgotten", i, fate)
			}
		}
		c.end(5 + n)
	})
}

// TestManyForgetA: lots of forgetting: instances are started and Done is
// called at random while the network is unreliable; Start below Min must be
// ignored and decided instances must stay consistent.
func TestManyForgetA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 500
		)
		c := makeCluster(t, n, true)
		defer c.cleanup()
		c.begin("Test (A): lots of forgetting")

		stop := make(chan struct{})
		done := make(chan struct{}, 2)
		go func() { // proposer
			defer func() { done <- struct{}{} }()
			for seq := 0; seq < ninst; seq++ {
				c.start(seq%n, seq, seq*7)
				select {
				case <-stop:
					return
				case <-time.After(5 * ms):
				}
			}
		}()
		go func() { // forgetter: each peer calls Done on what it has decided
			defer func() { done <- struct{}{} }()
			for round := 0; ; round++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * ms):
				}
				i := round % n
				px := c.peer(i)
				upto := px.Min() - 1
				for seq := upto + 1; seq < ninst; seq++ {
					if fate, _ := c.status(i, seq); fate != Decided {
						break
					}
					upto = seq
				}
				px.Done(upto)
			}
		}()
		time.Sleep(8 * sec)
		close(stop)
		<-done
		<-done
		c.net.Reliable(true)
		// Every instance ends up decided or forgotten everywhere.
		for seq := 0; seq < ninst; seq++ {
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*7)
			}
		}
		deadline := time.Now().Add(decideTimeout)
		for seq := 0; seq < ninst; seq++ {
			for i := 0; i < n; i++ {
				for fate, _ := c.status(i, seq); fate == Pending; fate, _ = c.status(i, seq) {
					if time.Now().After(deadline) {
						t.Fatalf("peer %d: instance %d still pending %v after the network became reliable", i, seq, decideTimeout)
					}
					time.Sleep(50 * ms)
				}
			}
		}
		// Now every peer is done with all of them; two rounds of traffic in
		// which every peer proposes carry the Done values everywhere.
		for i := 0; i < n; i++ {
			c.peer(i).Done(ninst - 1)
		}
		for seq := ninst; seq < ninst+2; seq++ {
			for i := 0; i < n; i++ {
				c.start(i, seq, "carrier")
			}
			c.waitn(seq, n)
		}
		for i := 0; i < n; i++ {
			if m := c.peer(i).Min(); m != ninst {
				t.Fatalf("peer %d: Min() = %d after every peer called Done(%d) and two rounds of traffic; want %d", i, m, ninst-1, ninst)
			}
		}
		for i := 0; i < n; i++ {
			px := c.peer(i)
			for seq := 0; seq < ninst; seq++ {
				fate, v := c.status(i, seq)
				if fate == Decided && v != seq*7 {
					t.Fatalf("peer %d: instance %d decided %v; want %d", i, seq, v, seq*7)
				}
				if seq < px.Min() && fate != Forgotten {
					t.Fatalf("peer %d: Status(%d) = %v below Min() = %d", i, seq, fate, px.Min())
				}
			}
		}
		c.end(ninst)
	})
}

// TestDoneMaxA: Max still reports the highest instance after Done.
func TestDoneMaxA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): Max after Done")
		c.start(0, 0, "x")
		c.waitn(0, n)
		for seq := 1; seq <= 10; seq++ {
			c.start(0, seq, "y")
			c.waitn(seq, n)
		}
		for i := 0; i < n; i++ {
			c.peer(i).Done(10)
		}
		// Traffic to spread the Done values.
		for i := 0; i < n; i++ {
			c.start(i, 11, "z")
		}
		c.waitn(11, n)
		for i := 0; i < n; i++ {
			if m := c.peer(i).Max(); m != 11 {
				t.Fatalf("peer %d: Max() = %d after Done(10) and instance 11; want 11", i, m)
			}
		}
		c.end(12)
	})
}

// TestRPCCountA: a serial Start on an idle, reliable group costs one round
// (prepare, accept, decided to every peer); concurrent conflicting Starts
// stay within a bound.
func TestRPCCountA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n      = 3
			ninst1 = 5
			ninst2 = 5
		)
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): RPC counts")
		for seq := 0; seq < ninst1; seq++ {
			c.start(0, seq, "x")
			c.waitn(seq, n)
		}
		if got, limit := c.rpcs(), ninst1*n*n; got > limit {
			t.Fatalf("%d serial Starts on %d peers sent %d RPCs; at most %d (instances × peers²)", ninst1, n, got, limit)
		}
		before := c.rpcs()
		for seq := ninst1; seq < ninst1+ninst2; seq++ {
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*10+i)
			}
			c.waitn(seq, n)
		}
		if got, limit := c.rpcs()-before, ninst2*n*15; got > limit {
			t.Fatalf("%d instances with %d competing proposers each sent %d RPCs; at most %d", ninst2, n, got, limit)
		}
		c.end(ninst1 + ninst2)
	})
}

// TestManyA: many instances in flight at once, each proposed by every
// peer with its own value.
func TestManyA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 50
		)
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): many instances")
		for seq := 0; seq < ninst; seq++ {
			if seq >= 5 {
				c.waitn(seq-5, n) // at most five instances in flight
			}
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*10+i)
			}
		}
		for seq := 0; seq < ninst; seq++ {
			c.waitn(seq, n)
		}
		c.end(ninst)
	})
}

// TestMinorityIgnoredA: a value decided in a majority stands: peers that
// were cut off and propose other values later learn it instead.
func TestMinorityIgnoredA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): minority proposal ignored")
		c.partition([]int{1, 2, 3}, []int{0}, []int{4})
		c.start(1, 1, 111)
		c.waitMajority(1)

		c.partition([]int{0, 4}, []int{1, 2, 3})
		c.start(0, 1, 222)
		time.Sleep(2 * sec)
		c.checkAtMost(1, 3) // 0 and 4 are no majority

		c.heal()
		c.start(0, 1, 333)
		c.start(4, 1, 444)
		c.waitn(1, n)
		if v := c.decidedValue(1); v != 111 {
			t.Fatalf("instance 1 decided %v; the majority had decided 111", v)
		}
		c.end(1)
	})
}

// TestManyUnreliableA: many instances, every peer proposing, on a network
// that drops and delays messages.
func TestManyUnreliableA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 50
		)
		c := makeCluster(t, n, true)
		defer c.cleanup()
		c.begin("Test (A): many instances, unreliable RPC")
		for seq := 0; seq < ninst; seq++ {
			if seq >= 3 {
				c.waitn(seq-3, n)
			}
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*10+i)
			}
		}
		for seq := 0; seq < ninst; seq++ {
			c.waitn(seq, n)
		}
		c.end(ninst)
	})
}

// partitionScenario is the partition test on a reliable or unreliable
// network: no decision without a majority, a decision inside one, agreement
// after healing, and a peer that moves between partitions.
func partitionScenario(t *labtest.T, unreliable bool) {
	const n = 5
	c := makeCluster(t, n, unreliable)
	defer c.cleanup()
	kind := "reliable"
	if unreliable {
		kind = "unreliable"
	}
	c.begin("Test (A): partitions, " + kind)
	seq := 0

	// No partition holds a majority.
	c.partition([]int{2}, []int{0, 1}, []int{3, 4})
	c.start(1, seq, 111)
	c.start(3, seq, 333)
	time.Sleep(3 * sec)
	c.checkAtMost(seq, 0)

	// {0, 1, 2} is a majority; it decides.
	// Each of the three proposes: on an unreliable network a peer that
	// does not may never hear the decision.
	c.partition([]int{0, 1, 2}, []int{3, 4})
	for i := 0; i < 3; i++ {
		c.start(i, seq, 1000+i)
	}
	c.waitMajority(seq)
	c.checkAtMost(seq, 3)

	// Everyone learns it after a full heal.
	c.heal()
	for i := 0; i < n; i++ {
		c.start(i, seq, 1100+i)
	}
	c.waitn(seq, n)

	// One peer switches sides each round: peer 2 carries the majority's
	// accepted value over to peers 3 and 4, whose proposers were cut off
	// and must now adopt it; peers 0 and 1 keep proposing between
	// themselves, which is no majority, until they learn it.
	for round := 0; round < 10; round++ {
		seq++
		c.partition([]int{0, 1, 2}, []int{3, 4})
		for i := 0; i < n; i++ {
			c.start(i, seq, seq*10+i)
		}
		c.waitMajority(seq)
		c.checkAtMost(seq, 3)
		c.partition([]int{0, 1}, []int{2, 3, 4})
		c.waitn(seq, n)
	}
	c.end(seq + 1)
}

// TestPartitionA is partitionScenario on a reliable network.
func TestPartitionA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { partitionScenario(t, false) })
}

// TestPartitionUnreliableA is partitionScenario on an unreliable network.
func TestPartitionUnreliableA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { partitionScenario(t, true) })
}

// TestLotsA: lots of requests from every peer while the partitions change
// every few hundred milliseconds on an unreliable network; afterwards, with
// everyone connected, every instance is decided everywhere.
func TestLotsA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		c := makeCluster(t, n, true)
		defer c.cleanup()
		c.begin("Test (A): many requests, changing partitions")

		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // partitioner
			for {
				groups := make([][]int, 3)
				for i := 0; i < n; i++ {
					g := t.Rand.IntN(3)
					groups[g] = append(groups[g], i)
				}
				c.partition(groups...)
				select {
				case <-stop:
					return
				case <-time.After(time.Duration(100+t.Rand.IntN(200)) * ms):
				}
			}
		})
		seqs := make(chan int, 1000)
		for p := 0; p < 3; p++ {
			wg.Go(func() { // proposer
				for seq := p; ; seq += 3 {
					for i := 0; i < n; i++ {
						if t.Rand.IntN(1000) < 500 {
							c.start(i, seq, t.Rand.IntN(1000000))
						}
					}
					seqs <- seq
					select {
					case <-stop:
						return
					case <-time.After(time.Duration(50+t.Rand.IntN(50)) * ms):
					}
				}
			})
		}
		time.Sleep(6 * sec)
		close(stop)
		wg.Wait()
		close(seqs)

		c.heal()
		c.net.Reliable(true)
		count := 0
		for seq := range seqs {
			for i := 0; i < n; i++ {
				c.start(i, seq, -1-seq) // make sure every instance has a proposal
			}
			c.waitn(seq, n)
			count++
		}
		c.end(count)
	})
}
