package labrpc_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Regression: Heal used to re-enable every MakeEndFrom end, undoing an
// explicit Enable(false) (how a 6.824-style harness disconnects a server),
// and an int server name (as 6.824 uses) was cut off by any partition.
func TestRegressionPartitionVsEnable(t *testing.T) {
	inBubble(t, 1, func(t *testing.T, rn *labrpc.Network) {
		rs := serveOn(rn, "s", &RevSvc{})
		rn.AddServer(1, rs)
		a := rn.MakeEndFrom("c->s", "c")
		rn.Connect("c->s", "s")
		rn.Enable("c->s", false) // test disconnects c
		rn.Partition([]string{"c", "s"})
		rn.Heal()
		var r RevReply
		if a.Call("RevSvc.AE", 2, &r) {
			t.Errorf("P1: Heal re-enabled an end the test had disabled with Enable(false)")
		}
		b := rn.MakeEndFrom("c->1", "c")
		rn.Connect("c->1", 1)
		rn.Enable("c->1", true)
		rn.Partition([]string{"c", "1"})
		if !b.Call("RevSvc.AE", 2, &r) {
			t.Errorf("P2: end to server 1 (int name) cut off although c and \"1\" share a group")
		}
	})
}

func TestPartitionEnds(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		hosts := []string{"a", "b", "c"}
		ends := map[string]*labrpc.ClientEnd{}
		for _, h := range hosts {
			serveOn(rn, h, &Probe{})
		}
		for _, from := range hosts {
			for _, to := range hosts {
				name := from + "->" + to
				ends[name] = rn.MakeEndFrom(name, from)
				rn.Connect(name, to)
				rn.Enable(name, true)
			}
		}
		call := func(from, to string) bool {
			var s string
			return ends[from+"->"+to].Call("Probe.Label", 1, &s)
		}
		rn.Heal()
		assert.True(t, call("a", "c"))
		rn.Partition([]string{"a", "b"}, []string{"c"})
		assert.True(t, call("a", "b"))
		assert.False(t, call("a", "c"))
		assert.False(t, call("c", "b"))
		assert.True(t, call("c", "c"))
		rn.Partition([]string{"a"}) // b and c in no group: cut off
		assert.False(t, call("b", "c"))
		assert.True(t, call("a", "a"))
		rn.Heal()
		assert.True(t, call("c", "a"))
		assert.True(t, call("b", "c"))

		// A partition is a filter over Enable: Heal does not re-enable an
		// end the test disabled.
		rn.Enable("a->b", false)
		rn.Partition([]string{"a", "b", "c"})
		rn.Heal()
		assert.False(t, call("a", "b"))
	})
}

// Servers named by ints (as 6.824 harnesses do) are hosts "0", "1", ...
func TestPartitionIntServerNames(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		serveOn(rn, 1, &Probe{})
		e := rn.MakeEndFrom("c->1", "c")
		rn.Connect("c->1", 1)
		rn.Enable("c->1", true)
		var s string
		rn.Partition([]string{"c", "1"}, []string{"2"})
		assert.True(t, e.Call("Probe.Label", 1, &s))
		rn.Partition([]string{"c"}, []string{"1"})
		assert.False(t, e.Call("Probe.Label", 1, &s))
	})
}
