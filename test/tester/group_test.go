package tester_test

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// disk is a persister: what a node wrote, copied on crash and restart.
type disk struct {
	mu   sync.Mutex
	data []string
}

func (d *disk) Copy() *disk {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &disk{data: slices.Clone(d.data)}
}

func (d *disk) write(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.data = append(d.data, s)
}

func (d *disk) read() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.data)
}

// node is one incarnation of a server: it answers Who with its index, so a
// test sees which links carry RPCs.
type node struct {
	i, gen int
	ends   []*labrpc.ClientEnd
	disk   *disk
	lead   atomic.Bool
	killed atomic.Bool
}

// WhoReply names the incarnation that answered.
type WhoReply struct{ Server, Gen int }

// Who answers with the node's identity.
func (n *node) Who(_ int, reply *WhoReply) { *reply = WhoReply{n.i, n.gen} }

func (n *node) Kill() { n.killed.Store(true) }

// cluster is a group of n nodes on a reliable network, with the
// incarnations started so far (by start order) and their persisted state.
type cluster struct {
	net     *tester.Net
	g       *tester.Group[*node]
	saved   *tester.States[*disk]
	mu      sync.Mutex
	started []*node
}

func newCluster(t *labtest.T, n int) *cluster {
	c := &cluster{net: tester.NewNet(t, true), saved: tester.NewStates(n, func() *disk { return &disk{} })}
	c.g = tester.NewGroup(c.net, tester.Spec[*node]{
		Name: "kv",
		N:    n,
		Start: func(i int, ends []*labrpc.ClientEnd) (*node, []any) {
			c.mu.Lock()
			defer c.mu.Unlock()
			nd := &node{i: i, gen: len(c.started) + 1, ends: ends, disk: c.saved.Restart(i)}
			c.started = append(c.started, nd)
			return nd, []any{nd}
		},
		Crashed: c.saved.Freeze,
	})
	t.Cleanup(func() {
		c.g.Shutdown()
		c.net.Cleanup()
	})
	return c
}

// links returns, for each server, which servers its RPCs reach ('1') or
// not ('0'), by real labrpc calls; a server that is down is "-".
func (c *cluster) links() string {
	rows := make([]string, c.g.N())
	for i := range rows {
		nd, up := c.g.Server(i)
		if !up {
			rows[i] = "-"
			continue
		}
		for j, end := range nd.ends {
			var r WhoReply
			if end.Call("node.Who", 0, &r) && r.Server == j {
				rows[i] += "1"
			} else {
				rows[i] += "0"
			}
		}
	}
	return strings.Join(rows, " ")
}

// reached returns the servers a client's ends reach, in the ends' order
// (-1: no answer).
func reached(ends []*labrpc.ClientEnd) []int {
	out := make([]int, len(ends))
	for k, end := range ends {
		var r WhoReply
		out[k] = -1
		if end.Call("node.Who", 0, &r) {
			out[k] = r.Server
		}
	}
	return out
}

// TestLinkModel: each fault method leaves exactly the links its doc
// promises, as real calls between the servers see them.
func TestLinkModel(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 3)
		g := c.g
		for _, step := range []struct {
			what string
			do   func()
			want string
		}{
			{"StartAll", g.StartAll, "111 111 111"},
			{"Disconnect(2)", func() { g.Disconnect(2) }, "110 110 000"},
			{"Partition({0,1},{2}) connects 2", func() { g.Partition([]int{0, 1}, []int{2}) }, "110 110 001"},
			{"Partition({0}): 1 and 2 in no group", func() { g.Partition([]int{0}) }, "100 010 001"},
			{"ConnectAll", g.ConnectAll, "111 111 111"},
			{"Disconnect(0), SetGroups(0,1,1)", func() { g.Disconnect(0); g.SetGroups([]int{0, 1, 1}) }, "000 011 011"},
			{"SetGroups(nil)", func() { g.SetGroups(nil) }, "000 011 011"},
			{"ConnectAll, Deafen(1)", func() { g.ConnectAll(); g.Deafen(1) }, "101 111 101"},
			{"ConnectAll ends deafness", g.ConnectAll, "111 111 111"},
			{"Crash(2)", func() { g.Crash(2) }, "110 110 -"},
			{"Start(2): not connected", func() { g.Start(2) }, "110 110 000"},
			{"Connect(2)", func() { g.Connect(2) }, "111 111 111"},
		} {
			step.do()
			if got := c.links(); got != step.want {
				t.Fatalf("after %s: links %q, want %q", step.what, got, step.want)
			}
			if connected := g.Connected(0); connected != (step.want[0] == '1') {
				t.Fatalf("after %s: Connected(0) = %v", step.what, connected)
			}
		}
		if n := g.RPCCount(1); n == 0 {
			t.Fatalf("RPCCount(1) = 0 after calls to server 1")
		}
	})
}

// TestStartCrashRestart: a crash kills the instance and freezes its
// state, so what it writes while dying is lost; a restart is a new
// instance, with fresh deterministically named ends, starting from a copy.
func TestStartCrashRestart(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 3)
		g := c.g
		if up := g.Up(); len(up) != 0 {
			t.Fatalf("Up() = %v before StartAll", up)
		}
		g.StartAll()
		if up := g.Up(); !slices.Equal(up, []int{0, 1, 2}) {
			t.Fatalf("Up() = %v, want all", up)
		}
		if names := g.EndNames(1); !slices.Equal(names, []string{"kv-1-0-g2", "kv-1-1-g2", "kv-1-2-g2"}) {
			t.Fatalf("EndNames(1) = %v", names)
		}
		old, _ := g.Server(1)
		old.disk.write("before")
		g.Crash(1)
		old.disk.write("while dying")
		if !old.killed.Load() {
			t.Fatal("Crash did not kill the instance")
		}
		if _, up := g.Server(1); up {
			t.Fatal("Server(1) is up after Crash")
		}
		g.Crash(1) // a server that is down is left alone

		g.Start(1)
		g.Connect(1)
		nd, up := g.Server(1)
		if !up || nd == old || nd.gen != 4 {
			t.Fatalf("restart: up %v, same instance %v, incarnation %d (want 4)", up, nd == old, nd.gen)
		}
		if got := nd.disk.read(); !slices.Equal(got, []string{"before"}) {
			t.Fatalf("restarted from %q, want what was persisted before the crash", got)
		}
		nd.disk.write("after")
		if got := old.disk.read(); slices.Contains(got, "after") {
			t.Fatal("the restarted instance writes to the dead one's state")
		}
		if got, _ := c.saved.Get(1); !slices.Equal(got.read(), []string{"before", "after"}) {
			t.Fatalf("States.Get(1) = %q", got.read())
		}
		if most := c.saved.Max(func(d *disk) int { return len(d.read()) }); most != 2 {
			t.Fatalf("States.Max = %d, want 2", most)
		}
		if names := g.EndNames(1); !slices.Equal(names, []string{"kv-1-0-g4", "kv-1-1-g4", "kv-1-2-g4"}) {
			t.Fatalf("EndNames(1) after a restart = %v", names)
		}
		var r WhoReply
		if !nd.ends[0].Call("node.Who", 0, &r) || r.Server != 0 {
			t.Fatal("the restarted server's ends do not reach server 0")
		}
		if !c.started[0].ends[1].Call("node.Who", 0, &r) || r.Gen != 4 {
			t.Fatalf("server 0 reaches incarnation %d of server 1, want 4", r.Gen)
		}

		g.Shutdown()
		for _, nd := range c.started {
			if !nd.killed.Load() {
				t.Fatalf("server %d (incarnation %d) not killed by Shutdown", nd.i, nd.gen)
			}
		}
	})
}

// TestStatesCopy: a restart starts from a copy of the state, so an
// instance still running (no Freeze) cannot write into its successor's.
func TestStatesCopy(t *testing.T) {
	saved := tester.NewStates(2, func() *disk { return &disk{} })
	if _, ok := saved.Get(0); ok {
		t.Fatal("Get(0) reports a state before any start")
	}
	saved.Freeze(0) // nothing to freeze yet
	first := saved.Restart(0)
	first.write("a")
	second := saved.Restart(0)
	first.write("late")
	if got := second.read(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("second instance starts from %q, want [a]", got)
	}
	if got, _ := saved.Get(0); got != second {
		t.Fatal("Get(0) is not the running instance's state")
	}
	if most := saved.Max(func(d *disk) int { return len(d.read()) }); most != 1 {
		t.Fatalf("Max = %d, want 1 (server 1 has no state)", most)
	}
}

// TestClientLinks: a client's ends go to the servers asked for, in that
// order, under deterministic names; Only and Cut set them, and server
// partitions leave them alone.
func TestClientLinks(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 3)
		g := c.g
		g.StartAll()
		cl, ends := g.NewClient()
		if got := reached(ends); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("new client reaches %v", got)
		}
		g.Partition([]int{0}, []int{1, 2})
		g.Disconnect(2)
		if got := reached(ends); !slices.Equal(got, []int{0, 1, 2}) {
			t.Fatalf("after server partitions the client reaches %v", got)
		}
		cl.Only(1)
		if got := reached(ends); !slices.Equal(got, []int{-1, 1, -1}) {
			t.Fatalf("after Only(1) the client reaches %v", got)
		}
		cl.Cut()
		if got := reached(ends); !slices.Equal(got, []int{-1, -1, -1}) {
			t.Fatalf("after Cut the client reaches %v", got)
		}
		_, ends2 := g.NewClient(2, 0)
		if got := reached(ends2); !slices.Equal(got, []int{2, 0}) {
			t.Fatalf("NewClient(2, 0) reaches %v", got)
		}
		// Client k's end to server j is "kv-ck-j": the name is taken.
		for _, name := range []string{"kv-c1-0", "kv-c2-2", "kv-c2-0"} {
			if !nameTaken(c.net, name) {
				t.Errorf("no client end is named %s", name)
			}
		}
		if nameTaken(c.net, "kv-c2-1") {
			t.Error("the second client has an end to server 1")
		}
	})
}

// nameTaken reports whether the network already has an end of that name
// (labrpc panics on a reused name).
func nameTaken(net *tester.Net, name string) (taken bool) {
	defer func() { taken = recover() != nil }()
	net.MakeEnd(name)
	return false
}

// TestLeader: the first server that is up and says it leads.
func TestLeader(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 3)
		g := c.g
		g.StartAll()
		leads := func(nd *node) bool { return nd.lead.Load() }
		if i, ok := g.Leader(leads); ok {
			t.Fatalf("Leader() = %d with no leader", i)
		}
		for _, i := range []int{2, 1} {
			nd, _ := g.Server(i)
			nd.lead.Store(true)
		}
		if i, ok := g.Leader(leads); !ok || i != 1 {
			t.Fatalf("Leader() = %d, %v; want 1", i, ok)
		}
		g.Crash(1)
		if i, ok := g.Leader(leads); !ok || i != 2 {
			t.Fatalf("Leader() = %d, %v after server 1 crashed; want 2", i, ok)
		}
	})
}

// TestNetCounters: the "Passed" line counts from Begin.
func TestNetCounters(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 2)
		c.g.StartAll()
		c.links()
		c.net.Op()
		c.net.Begin("Test: counters")
		if c.net.RPCs() != 0 || c.net.Ops() != 0 {
			t.Fatalf("after Begin: %d RPCs, %d ops", c.net.RPCs(), c.net.Ops())
		}
		c.links()
		c.net.Op()
		if c.net.RPCs() != 4 || c.net.Ops() != 1 {
			t.Fatalf("%d RPCs and %d ops since Begin, want 4 and 1", c.net.RPCs(), c.net.Ops())
		}
		name, end := c.net.NewEnd("probe", c.g.ServerName(0))
		c.net.Enable(name, true)
		var r WhoReply
		if name != "probe-0" || !end.Call("node.Who", 0, &r) || r.Server != 0 {
			t.Fatalf("NewEnd: %s reaches %d", name, r.Server)
		}
		if name, _ := c.net.NewEnd("probe", c.g.ServerName(1)); name != "probe-1" {
			t.Fatalf("second NewEnd named %s", name)
		}
		c.net.Passed(2)
	})
}
