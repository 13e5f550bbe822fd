package paxos

// Targeted tests for lab rules that the public API shows: Min waits for
// every peer's Done, Start below Min is ignored, and Kill stops every
// goroutine. Each cites the rule it checks.

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestMinWaitsForAllA checks that Min does not advance before every peer
// has reported Done.
//
// The lab's forgetting rule: Min() is one more than the minimum of the
// Done arguments of ALL peers, a peer not yet heard from counting as -1;
// only instances below Min may be freed. A peer that is merely cut off may
// still need every instance it has not applied, so two peers that are done
// must keep them while the third is silent, however much they talk.
func TestMinWaitsForAllA(t *testing.T) {
	const n = 3
	run(t, n, false, "Min waits for the Done of every peer", func(t *labtest.T, c *cluster) {
		c.serial(5, peer0, identity)
		c.g.Partition([]int{0, 1}, []int{2})
		c.peer(0).Done(4)
		c.peer(1).Done(4)
		for seq := 5; seq < 15; seq++ { // traffic that carries Done(4) between 0 and 1
			c.start(seq%2, seq, seq)
			c.waitn(seq, 2)
		}
		c.checkMin(0, "while peer 2 (cut off) has never called Done", 0, 1)
		for _, i := range []int{0, 1} {
			if fate, _ := c.status(i, 0); fate != Decided {
				t.Fatalf("peer %d: Status(0) = %v; instance 0 must be kept until every peer is done with it", i, fate)
			}
		}

		// Peer 2 returns, still not done: nothing changes.
		c.g.ConnectAll()
		c.decideAll(15, same("after heal"))
		c.checkMin(0, "while peer 2 has not called Done")

		// Now peer 2 is done with 0..2: Min is 3 everywhere once its value
		// has travelled.
		c.peer(2).Done(2)
		c.eachProposes(16, "carrier")
		c.awaitMin(3, 5*sec, "after every peer called Done(>= 2) and then proposed an instance of its own")
		c.end(16 + n)
	})
}

// TestStartBelowMinIgnoredA checks that Start on a forgotten instance does
// nothing.
//
// The lab's API rule: Start(seq) for seq < Min() is ignored; a forgotten
// instance stays Forgotten (it must not be revived as Pending, nor decided
// again).
func TestStartBelowMinIgnoredA(t *testing.T) {
	run(t, 3, false, "Start below Min is ignored", func(t *labtest.T, c *cluster) {
		c.serial(3, peer0, identity)
		c.doneAll(1)
		c.eachProposes(3, "carrier")
		c.awaitMin(2, 5*sec, "after every peer called Done(1) and then proposed an instance of its own")
		c.startAll(0, same("revived"))
		time.Sleep(sec)
		c.checkFate(0, Forgotten, "after Start(0) below Min")
		c.end(6)
	})
}

// TestKillStopsGoroutinesA checks the Kill rule whatever the harness's
// leak policy is.
//
// The lab's rule: after Kill every goroutine of the peer exits, including
// proposers that are still retrying (here: instances a minority cannot
// decide). Goroutines blocked in an RPC end once the network fails the
// call, which a killed, removed peer's calls do within a few hundred
// milliseconds.
//
// How soon: the lab bounds no back-off, only liveness (a decision within
// decideTimeout, 20 s, wherever a majority is connected), and a proposer
// that checks for Kill once per round may first finish the back-off it is
// sleeping. 2015 solutions that check isdead() in every loop sleep up to
// 3 s between rounds and stop within about 3.5 s, so the test waits
// killWait, 10 s: a back-off of several seconds plus an RPC in flight. A
// goroutine that retries forever is still running then.
func TestKillStopsGoroutinesA(t *testing.T) {
	run(t, 5, true, "Kill stops every goroutine", func(t *labtest.T, c *cluster) {
		for seq := 0; seq < 5; seq++ {
			c.startAll(seq, own(seq))
		}
		c.waitn(4, c.n)
		// Instances that stay pending: every peer alone in its partition.
		c.g.Partition()
		for seq := 5; seq < 10; seq++ {
			c.startAll(seq, own(seq))
		}
		time.Sleep(2 * sec)
		c.stopWatch()
		c.g.Shutdown()
		const killWait = 10 * sec
		t.CheckStopped(killWait, "after every peer was killed", "distlabs/paxos")
		c.end(10)
	})
}
