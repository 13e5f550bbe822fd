//go:build !distlabs_ported

package paxos

// The memory limit of part A, measured on what the implementation reports
// it retains (retained() in paxos.go), never on the whole heap: the heap
// also holds the test's own data and the garbage collector's timing, which
// made the 2015 version of this test flaky.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestForgetMemA checks that forgotten instances are freed.
//
// The lab's forgetting rule: once every peer has called Done(seq), all
// instances <= seq are forgotten and their memory (the values included) is
// freed. Ten instances with 100 kB values are decided, every peer calls
// Done(9), and after a few messages each peer may keep at most the
// instances above 9, also after a Start(0) below Min (which is ignored).
func TestForgetMemA(t *testing.T) {
	const ninst = 10
	run(t, 3, false, "memory is freed after Done", func(t *labtest.T, c *cluster) {
		big := strings.Repeat("x", 100_000)
		c.serial(ninst, c.rotate, func(seq int) any { return big + string(rune('a'+seq)) })
		for i := 0; i < c.n; i++ {
			if r := c.peer(i).retained(); r < ninst {
				t.Fatalf("peer %d reports %d retained instances with %d decided and none Done; retained() must count them", i, r, ninst)
			}
		}
		c.forgetBelow(ninst)
		c.checkRetained("after forgetting 0..9")
		// Start below Min is ignored: it must not bring a forgotten
		// instance back into memory, where nothing would free it again.
		c.startAll(0, same("revived"))
		time.Sleep(sec)
		c.checkRetained("after Start(0) below Min 10; a Start below Min must keep nothing")
		c.end(ninst + 2)
	})
}

// TestStaleMessagesBelowMinA checks that a Prepare, Accept or Decided for a
// forgotten instance does not bring it back into memory.
//
// The lab's forgetting rule: instances below Min are forgotten, their state
// freed, and the memory limit counts the instances a peer retains (at most
// the 2 above Min here). Messages may be delayed arbitrarily, so a message
// a peer sent before it called Done can arrive after Min has passed its
// instance; the acceptor must ignore it, or the instance is back in memory
// where nothing frees it again. After every peer called Done(9), each peer
// receives such delayed messages for instances 0..9 (as peer i+1 sent them
// before it called Done: Done -1), and may still retain at most 2
// instances, and report Forgotten below Min.
func TestStaleMessagesBelowMinA(t *testing.T) {
	const ninst = 10
	run(t, 3, false, "delayed messages below Min keep nothing", func(t *labtest.T, c *cluster) {
		n := c.n
		c.serial(ninst, c.rotate, identity)
		c.forgetBelow(ninst)
		for i := 0; i < n; i++ {
			from := (i + 1) % n
			name, end := c.net.NewEnd(fmt.Sprintf("stale-%d-%d", from, i), c.g.ServerName(i))
			c.net.Enable(name, true)
			// A high proposal number, so that only Min can make the
			// acceptor refuse.
			nn := 1000*n + from
			for _, kind := range []struct {
				name string
				call func(seq int) bool
			}{
				{"Prepare", func(seq int) bool {
					return end.Call("Paxos.Prepare", &PrepareArgs{Seq: seq, N: nn, From: from, Done: -1}, &PrepareReply{})
				}},
				{"Accept", func(seq int) bool {
					return end.Call("Paxos.Accept", &AcceptArgs{Seq: seq, N: nn, V: seq, From: from, Done: -1}, &AcceptReply{})
				}},
				{"Decided", func(seq int) bool {
					return end.Call("Paxos.Decided", &DecidedArgs{Seq: seq, V: seq, From: from, Done: -1}, &DecidedReply{})
				}},
			} {
				for seq := 0; seq < ninst; seq++ {
					if !kind.call(seq) {
						t.Fatalf("%s for instance %d to peer %d failed on a reliable network", kind.name, seq, i)
					}
				}
				why := fmt.Sprintf("after delayed %s messages for instances 0..9 below Min 10; a message below Min must keep nothing", kind.name)
				c.checkRetained(why, i)
				for seq := 0; seq < ninst; seq++ {
					if fate, _ := c.peer(i).Status(seq); fate != Forgotten {
						t.Fatalf("peer %d: Status(%d) = %v after a delayed %s below Min %d; want Forgotten", i, seq, fate, kind.name, ninst)
					}
				}
			}
		}
		c.end(ninst + 2)
	})
}

// checkRetained fails the test if a peer of peers (all when none are
// given) retains more than the 2 instances above Min that forgetBelow
// decided.
func (c *cluster) checkRetained(why string, peers ...int) {
	c.t.Helper()
	if len(peers) == 0 {
		peers = c.g.All()
	}
	for _, i := range peers {
		if r := c.peer(i).retained(); r > 2 {
			c.t.Fatalf("peer %d retains %d instances %s (at most the 2 above Min may remain)", i, r, why)
		}
	}
}

// forgetBelow has every peer call Done(min-1), decides two more instances
// (min and min+1, whose messages carry the Done values), and checks that
// every peer's Min is then min.
func (c *cluster) forgetBelow(min int) {
	c.t.Helper()
	c.doneAll(min - 1)
	for seq := min; seq < min+2; seq++ { // carriers of the Done values
		c.decideAll(seq, same("carrier"))
	}
	time.Sleep(sec)
	c.checkMin(min, fmt.Sprintf("after every peer called Done(%d)", min-1))
}

// rotate is a by for serial: the peers take turns.
func (c *cluster) rotate(seq int) int { return seq % c.n }
