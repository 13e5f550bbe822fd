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
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 10
		)
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): memory is freed after Done")
		big := strings.Repeat("x", 100_000)
		for seq := 0; seq < ninst; seq++ {
			c.start(seq%n, seq, big+string(rune('a'+seq)))
			c.waitn(seq, n)
		}
		for i := 0; i < n; i++ {
			if r := c.peer(i).retained(); r < ninst {
				t.Fatalf("peer %d reports %d retained instances with %d decided and none Done; retained() must count them", i, r, ninst)
			}
		}
		c.forgetBelow(ninst)
		for i := 0; i < n; i++ {
			if r := c.peer(i).retained(); r > 2 {
				t.Fatalf("peer %d retains %d instances after forgetting 0..%d; at most the 2 above Min may remain", i, r, ninst-1)
			}
		}
		// Start below Min is ignored: it must not bring a forgotten
		// instance back into memory, where nothing would free it again.
		for i := 0; i < n; i++ {
			c.start(i, 0, "revived")
		}
		time.Sleep(sec)
		for i := 0; i < n; i++ {
			if r := c.peer(i).retained(); r > 2 {
				t.Fatalf("peer %d retains %d instances after Start(0) below Min %d; a Start below Min must keep nothing", i, r, ninst)
			}
		}
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
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 10
		)
		c := makeCluster(t, n, false)
		defer c.cleanup()
		c.begin("Test (A): delayed messages below Min keep nothing")
		for seq := 0; seq < ninst; seq++ {
			c.start(seq%n, seq, seq)
			c.waitn(seq, n)
		}
		c.forgetBelow(ninst)
		for i := 0; i < n; i++ {
			from := (i + 1) % n
			name := fmt.Sprintf("stale-%d-%d", from, i)
			end := c.net.MakeEnd(name)
			c.net.Connect(name, i)
			c.net.Enable(name, true)
			for _, kind := range []string{"Prepare", "Accept", "Decided"} {
				for seq := 0; seq < ninst; seq++ {
					// A high proposal number, so that only Min can
					// make the acceptor refuse.
					nn := 1000*n + from
					var ok bool
					switch kind {
					case "Prepare":
						ok = end.Call("Paxos.Prepare", &PrepareArgs{Seq: seq, N: nn, From: from, Done: -1}, &PrepareReply{})
					case "Accept":
						ok = end.Call("Paxos.Accept", &AcceptArgs{Seq: seq, N: nn, V: seq, From: from, Done: -1}, &AcceptReply{})
					case "Decided":
						ok = end.Call("Paxos.Decided", &DecidedArgs{Seq: seq, V: seq, From: from, Done: -1}, &DecidedReply{})
					}
					if !ok {
						t.Fatalf("%s for instance %d to peer %d failed on a reliable network", kind, seq, i)
					}
				}
				if r := c.peer(i).retained(); r > 2 {
					t.Fatalf("peer %d retains %d instances after delayed %s messages for instances 0..%d below Min %d; a message below Min must keep nothing (at most the 2 above Min may remain)", i, r, kind, ninst-1, ninst)
				}
				for seq := 0; seq < ninst; seq++ {
					if fate, _ := c.peer(i).Status(seq); fate != Forgotten {
						t.Fatalf("peer %d: Status(%d) = %v after a delayed %s below Min %d; want Forgotten", i, seq, fate, kind, ninst)
					}
				}
			}
		}
		c.end(ninst + 2)
	})
}

// forgetBelow has every peer call Done(min-1), decides two more instances
// (min and min+1, whose messages carry the Done values), and checks that
// every peer's Min is then min.
func (c *cluster) forgetBelow(min int) {
	c.t.Helper()
	n := c.n
	for i := 0; i < n; i++ {
		c.peer(i).Done(min - 1)
	}
	for round := 0; round < 2; round++ { // carriers of the Done values
		seq := min + round
		for i := 0; i < n; i++ {
			c.start(i, seq, "carrier")
		}
		c.waitn(seq, n)
	}
	time.Sleep(sec)
	for i := 0; i < n; i++ {
		if m := c.peer(i).Min(); m != min {
			c.t.Fatalf("peer %d: Min() = %d after every peer called Done(%d); want %d", i, m, min-1, min)
		}
	}
}
