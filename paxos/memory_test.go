//go:build !distlabs_ported

package paxos

// The memory limit of part A, measured on what the implementation reports
// it retains (retained() in paxos.go), never on the whole heap: the heap
// also holds the test's own data and the garbage collector's timing, which
// made the 2015 version of this test flaky.

import (
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
		for i := 0; i < n; i++ {
			c.peer(i).Done(ninst - 1)
		}
		for round := 0; round < 2; round++ { // carriers of the Done values
			seq := ninst + round
			for i := 0; i < n; i++ {
				c.start(i, seq, "carrier")
			}
			c.waitn(seq, n)
		}
		time.Sleep(sec)
		for i := 0; i < n; i++ {
			px := c.peer(i)
			if m := px.Min(); m != ninst {
				t.Fatalf("peer %d: Min() = %d after every peer called Done(%d); want %d", i, m, ninst-1, ninst)
			}
			if r := px.retained(); r > 2 {
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
