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
	"distlabs/test/tester"
)

// TestSingleProposerA: one peer proposes, every peer learns the value.
func TestSingleProposerA(t *testing.T) {
	run(t, 3, false, "single proposer", func(t *labtest.T, c *cluster) {
		c.start(0, 0, "hello")
		c.waitn(0, 3)
		c.checkDecided(0, "hello", `the only proposal was "hello"`)
		c.end(1)
	})
}

// TestManyProposersSameValueA: every peer proposes the same value.
func TestManyProposersSameValueA(t *testing.T) {
	run(t, 3, false, "many proposers, same value", func(t *labtest.T, c *cluster) {
		c.decideAll(1, same(77))
		c.end(1)
	})
}

// TestManyProposersDifferentValuesA: every peer proposes its own value at
// once; they must converge on one of them.
func TestManyProposersDifferentValuesA(t *testing.T) {
	run(t, 5, false, "many proposers, different values", func(t *labtest.T, c *cluster) {
		c.decideAll(2, func(i int) any { return 100 + i })
		c.end(1)
	})
}

// TestOutOfOrderA: instances are independent: later ones may be started and
// decided first, and Max reports the highest one heard of.
func TestOutOfOrderA(t *testing.T) {
	run(t, 3, false, "out-of-order instances", func(t *labtest.T, c *cluster) {
		for _, seq := range []int{7, 6, 5} {
			c.start(seq%3, seq, seq*10)
		}
		c.waitn(6, 3)
		c.waitn(7, 3)
		c.start(0, 4, 40)
		for seq := 4; seq <= 7; seq++ {
			c.waitn(seq, 3)
		}
		c.checkMax(7, "after instances 4..7 were decided everywhere")
		c.end(4)
	})
}

// TestDeafA: a peer that cannot receive requests still learns decisions by
// proposing itself, because its prepare replies carry the accepted value.
func TestDeafA(t *testing.T) {
	const n = 5
	run(t, n, false, "deaf proposer", func(t *labtest.T, c *cluster) {
		c.start(0, 0, "first")
		c.waitn(0, n)

		c.g.Deafen(0)
		c.g.Deafen(n - 1)
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
		c.checkDecided(1, "goodbye", `a majority had decided "goodbye" before the deaf peers proposed`)
		c.end(2)
	})
}

// TestForgetA: Min stays 0 until every peer has called Done; then the
// instances all peers are done with are forgotten everywhere.
func TestForgetA(t *testing.T) {
	const n = 6
	run(t, n, false, "forgetting", func(t *labtest.T, c *cluster) {
		c.checkMin(0, "in a new group")
		for _, p := range []struct {
			peer, seq int
			v         string
		}{{0, 0, "00"}, {1, 1, "11"}, {2, 2, "22"}, {0, 6, "66"}, {1, 7, "77"}} {
			c.start(p.peer, p.seq, p.v)
		}
		c.waitn(0, n)
		c.checkMin(0, "before anyone called Done")
		c.waitn(1, n)
		c.checkMin(0, "before anyone called Done")

		// Everyone but peer 0 is done with 0 and 1; peer 0 only with 0.
		c.doneAll(0)
		for i := 1; i < n; i++ {
			c.peer(i).Done(1)
		}
		for i := 0; i < n; i++ {
			c.start(i, 8+i, "xx") // traffic that carries the Done values
		}
		c.awaitMin(1, 12*sec, "after every peer called Done(0) (and peer 0 only that)")
		c.checkFate(0, Forgotten, "below Min")
		c.end(5 + n)
	})
}

// TestManyForgetA: lots of forgetting: instances are started and Done is
// called at random while the network is unreliable; Start below Min must be
// ignored and decided instances must stay consistent.
func TestManyForgetA(t *testing.T) {
	const (
		n     = 3
		ninst = 500
	)
	run(t, n, true, "lots of forgetting", func(t *labtest.T, c *cluster) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // proposer
			for seq := 0; seq < ninst; seq++ {
				c.start(seq%n, seq, seq*7)
				if !pause(stop, 5*ms) {
					return
				}
			}
		})
		wg.Go(func() { // forgetter: each peer calls Done on what it has decided
			for round := 0; pause(stop, 50*ms); round++ {
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
		})
		time.Sleep(8 * sec)
		close(stop)
		wg.Wait()
		c.net.Reliable(true)
		// Every instance ends up decided or forgotten everywhere.
		for seq := 0; seq < ninst; seq++ {
			c.startAll(seq, same(seq*7))
		}
		c.waitSettled(ninst, decideTimeout, "after the network became reliable")
		// Now every peer is done with all of them; an instance of its own
		// that every peer proposes carries the Done values everywhere.
		c.doneAll(ninst - 1)
		c.eachProposes(ninst, "carrier")
		c.awaitMin(ninst, 5*sec, "after every peer called Done on every instance and then proposed an instance of its own")
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
	run(t, 3, false, "Max after Done", func(t *labtest.T, c *cluster) {
		c.serial(11, peer0, same("y"))
		c.doneAll(10)
		c.decideAll(11, same("z")) // traffic to spread the Done values
		c.checkMax(11, "after Done(10) and instance 11")
		c.end(12)
	})
}

// TestRPCCountA: a serial Start on an idle, reliable group costs one round
// (prepare, accept, decided to every peer); concurrent conflicting Starts
// stay within a bound.
func TestRPCCountA(t *testing.T) {
	const (
		n      = 3
		ninst1 = 5
		ninst2 = 5
	)
	run(t, n, false, "RPC counts", func(t *labtest.T, c *cluster) {
		c.serial(ninst1, peer0, same("x"))
		if got, limit := c.net.RPCs(), ninst1*n*n; got > limit {
			t.Fatalf("%d serial Starts on %d peers sent %d RPCs; at most %d (instances × peers²)", ninst1, n, got, limit)
		}
		before := c.net.RPCs()
		for seq := ninst1; seq < ninst1+ninst2; seq++ {
			c.decideAll(seq, own(seq))
		}
		if got, limit := c.net.RPCs()-before, ninst2*n*15; got > limit {
			t.Fatalf("%d instances with %d competing proposers each sent %d RPCs; at most %d", ninst2, n, got, limit)
		}
		c.end(ninst1 + ninst2)
	})
}

// manyInstances has every peer propose its own value for each of ninst
// instances, with at most inflight instances undecided at once.
func (c *cluster) manyInstances(ninst, inflight int) {
	c.t.Helper()
	for seq := 0; seq < ninst; seq++ {
		if seq >= inflight {
			c.waitn(seq-inflight, c.n)
		}
		c.startAll(seq, own(seq))
	}
	for seq := 0; seq < ninst; seq++ {
		c.waitn(seq, c.n)
	}
	c.end(ninst)
}

// TestManyA: many instances in flight at once, each proposed by every
// peer with its own value.
func TestManyA(t *testing.T) {
	run(t, 3, false, "many instances", func(t *labtest.T, c *cluster) { c.manyInstances(50, 5) })
}

// TestManyUnreliableA: many instances, every peer proposing, on a network
// that drops and delays messages.
func TestManyUnreliableA(t *testing.T) {
	run(t, 3, true, "many instances, unreliable RPC", func(t *labtest.T, c *cluster) { c.manyInstances(50, 3) })
}

// TestMinorityIgnoredA: a value decided in a majority stands: peers that
// were cut off and propose other values later learn it instead.
func TestMinorityIgnoredA(t *testing.T) {
	const n = 5
	run(t, n, false, "minority proposal ignored", func(t *labtest.T, c *cluster) {
		c.g.Partition([]int{1, 2, 3}, []int{0}, []int{4})
		c.start(1, 1, 111)
		c.waitMajority(1)

		c.g.Partition([]int{0, 4}, []int{1, 2, 3})
		c.start(0, 1, 222)
		time.Sleep(2 * sec)
		c.checkAtMost(1, 3) // 0 and 4 are no majority

		c.g.ConnectAll()
		c.start(0, 1, 333)
		c.start(4, 1, 444)
		c.waitn(1, n)
		c.checkDecided(1, 111, "the majority had decided 111")
		c.end(1)
	})
}

// partitionScenario is the partition test on a reliable or unreliable
// network (5 peers): no decision without a majority, a decision inside one,
// agreement after healing, and a peer that moves between partitions.
func partitionScenario(t *labtest.T, c *cluster) {
	seq := 0

	// No partition holds a majority.
	c.g.Partition([]int{2}, []int{0, 1}, []int{3, 4})
	c.start(1, seq, 111)
	c.start(3, seq, 333)
	time.Sleep(3 * sec)
	c.checkAtMost(seq, 0)

	// {0, 1, 2} is a majority; it decides.
	// Each of the three proposes: on an unreliable network a peer that
	// does not may never hear the decision.
	c.g.Partition([]int{0, 1, 2}, []int{3, 4})
	for i := 0; i < 3; i++ {
		c.start(i, seq, 1000+i)
	}
	c.waitMajority(seq)
	c.checkAtMost(seq, 3)

	// Everyone learns it after a full heal.
	c.g.ConnectAll()
	c.decideAll(seq, func(i int) any { return 1100 + i })

	// One peer switches sides each round: peer 2 carries the majority's
	// accepted value over to peers 3 and 4, whose proposers were cut off
	// and must now adopt it; peers 0 and 1 keep proposing between
	// themselves, which is no majority, until they learn it.
	for round := 0; round < 10; round++ {
		seq++
		c.g.Partition([]int{0, 1, 2}, []int{3, 4})
		c.startAll(seq, own(seq))
		c.waitMajority(seq)
		c.checkAtMost(seq, 3)
		c.g.Partition([]int{0, 1}, []int{2, 3, 4})
		c.waitn(seq, c.n)
	}
	c.end(seq + 1)
}

// TestPartitionA is partitionScenario on a reliable network.
func TestPartitionA(t *testing.T) { run(t, 5, false, "partitions, reliable", partitionScenario) }

// TestPartitionUnreliableA is partitionScenario on an unreliable network.
func TestPartitionUnreliableA(t *testing.T) {
	run(t, 5, true, "partitions, unreliable", partitionScenario)
}

// TestLotsA: lots of requests from every peer while the partitions change
// every few hundred milliseconds on an unreliable network; afterwards, with
// everyone connected, every instance is decided everywhere.
func TestLotsA(t *testing.T) {
	const n = 5
	run(t, n, true, "many requests, changing partitions", func(t *labtest.T, c *cluster) {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // partitioner
			for {
				c.g.Partition(tester.RandomGroups(n, 3, t.Rand.IntN)...)
				if !pause(stop, time.Duration(100+t.Rand.IntN(200))*ms) {
					return
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
					if !pause(stop, time.Duration(50+t.Rand.IntN(50))*ms) {
						return
					}
				}
			})
		}
		time.Sleep(6 * sec)
		close(stop)
		wg.Wait()
		close(seqs)

		c.g.ConnectAll()
		c.net.Reliable(true)
		count := 0
		for seq := range seqs {
			c.decideAll(seq, same(-1-seq)) // make sure every instance has a proposal
			count++
		}
		c.end(count)
	})
}
