package paxos

// Targeted tests for lab rules that the public API shows: Min waits for
// every peer's Done, Start below Min is ignored, and Kill stops every
// goroutine. Each cites the rule it checks.

import (
	"strings"
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
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): Min waits for the Done of every peer")

		for seq := 0; seq < 5; seq++ {
			c.start(0, seq, seq)
			c.waitn(seq, n)
		}
		c.partition([]int{0, 1}, []int{2})
		c.peer(0).Done(4)
		c.peer(1).Done(4)
		for seq := 5; seq < 15; seq++ { // traffic that carries Done(4) between 0 and 1
			c.start(seq%2, seq, seq)
			c.waitn(seq, 2)
		}
		for _, i := range []int{0, 1} {
			if m := c.peer(i).Min(); m != 0 {
				t.Fatalf("peer %d: Min() = %d while peer 2 (cut off) has never called Done; want 0", i, m)
			}
			if fate, _ := c.status(i, 0); fate != Decided {
				t.Fatalf("peer %d: Status(0) = %v; instance 0 must be kept until every peer is done with it", i, fate)
			}
		}

		// Peer 2 returns, still not done: nothing changes.
		c.heal()
		for i := 0; i < n; i++ {
			c.start(i, 15, "after heal")
		}
		c.waitn(15, n)
		for i := 0; i < n; i++ {
			if m := c.peer(i).Min(); m != 0 {
				t.Fatalf("peer %d: Min() = %d while peer 2 has not called Done; want 0", i, m)
			}
		}

		// Now peer 2 is done with 0..2: Min is 3 everywhere once its value
		// has travelled.
		c.peer(2).Done(2)
		for i := 0; i < n; i++ {
			c.start(i, 16, "carrier")
		}
		c.waitn(16, n)
		deadline := time.Now().Add(5 * sec)
		for i := 0; i < n; i++ {
			for c.peer(i).Min() != 3 {
				if time.Now().After(deadline) {
					t.Fatalf("peer %d: Min() = %d after every peer called Done(>= 2); want 3", i, c.peer(i).Min())
				}
				c.start(i, 17, "more traffic")
				time.Sleep(100 * ms)
			}
		}
		c.end(18)
	})
}

// TestStartBelowMinIgnoredA checks that Start on a forgotten instance does
// nothing.
//
// The lab's API rule: Start(seq) for seq < Min() is ignored; a forgotten
// instance stays Forgotten (it must not be revived as Pending, nor decided
// again).
func TestStartBelowMinIgnoredA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): Start below Min is ignored")
		for seq := 0; seq < 3; seq++ {
			c.start(0, seq, seq)
			c.waitn(seq, n)
		}
		for i := 0; i < n; i++ {
			c.peer(i).Done(1)
		}
		for i := 0; i < n; i++ {
			c.start(i, 3, "carrier")
		}
		c.waitn(3, n)
		for i := 0; i < n; i++ {
			c.start(i, 4, "carrier")
		}
		c.waitn(4, n)
		for i := 0; i < n; i++ {
			if m := c.peer(i).Min(); m != 2 {
				t.Fatalf("peer %d: Min() = %d after every peer called Done(1); want 2", i, m)
			}
		}
		for i := 0; i < n; i++ {
			c.start(i, 0, "revived")
		}
		time.Sleep(sec)
		for i := 0; i < n; i++ {
			if fate, v := c.status(i, 0); fate != Forgotten {
				t.Fatalf("peer %d: Status(0) = %v, %v after Start(0) below Min; want Forgotten", i, fate, v)
			}
		}
		c.end(5)
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
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		c := makeCluster(t, n, true)
		defer c.cleanup()
		c.begin("Test (A): Kill stops every goroutine")
		for seq := 0; seq < 5; seq++ {
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*10+i)
			}
		}
		c.waitn(4, n)
		// Instances that stay pending: every peer alone in its partition.
		c.partition()
		for seq := 5; seq < 10; seq++ {
			for i := 0; i < n; i++ {
				c.start(i, seq, seq*10+i)
			}
		}
		time.Sleep(2 * sec)
		c.stopWatch()
		for i := 0; i < n; i++ {
			c.kill(i)
		}
		const killWait = 10 * sec
		time.Sleep(killWait)
		if left := paxosGoroutines(); len(left) > 0 {
			t.Fatalf("%d goroutines of the paxos package are still running %v after every peer was killed; the first:\n%s",
				len(left), killWait, strings.TrimSpace(left[0]))
		}
		c.end(10)
	})
}
