package tester

import (
	"testing"

	"distlabs/labrpc"
)

// Echo is the fake of TestServeFake: it answers with its own id.
type Echo struct{ id int }

// Who replies with the fake's id.
func (e *Echo) Who(args *int, reply *int) { *reply = e.id }

// TestServeFake: each fake answers as the server it was added as, over an
// end from another fake; the end is the one its name names, so it can be
// cut by name.
func TestServeFake(t *testing.T) {
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	to1 := ServeFake(net, 2, &Echo{id: 2}, "fake-2", 1)
	to2 := ServeFake(net, 1, &Echo{id: 1}, "fake-1", 2)
	for _, c := range []struct {
		end  *labrpc.ClientEnd
		want int
	}{{to1, 1}, {to2, 2}} {
		var got int
		if !c.end.Call("Echo.Who", new(int), &got) || got != c.want {
			t.Errorf("call to server %d: reply %d; want %d", c.want, got, c.want)
		}
	}
	net.Enable("fake-2", false)
	if to1.Call("Echo.Who", new(int), new(int)) {
		t.Errorf("the end named fake-2 still reached server 1 once disabled")
	}
}
