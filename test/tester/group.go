package tester

import (
	"fmt"
	"sync"

	"distlabs/labrpc"
)

// Spec describes the servers of a group.
type Spec[S any] struct {
	// Name prefixes the group's server and end names; it must be unique
	// on the network ("raft", "ctrler", "g101").
	Name string
	// N is the number of servers.
	N int
	// Start makes server i with ends[j] leading to server j (ends[i] to
	// itself) and returns it with the values whose methods labrpc serves
	// (labrpc.MakeService of each): the server, and its Raft or Paxos
	// peer when that answers RPCs of its own.
	Start func(i int, ends []*labrpc.ClientEnd) (S, []any)
	// Kill stops a server; nil calls its Kill method.
	Kill func(S)
	// Crashed, if set, runs when server i crashes, after it left the
	// network and before it is killed: States.Freeze.
	Crashed func(i int)
}

// Group is Spec.N servers of one kind on a Net. Its methods are safe for
// concurrent use.
type Group[S any] struct {
	net  *Net
	spec Spec[S]
	kill func(S)

	mu        sync.Mutex
	servers   []S
	up        []bool
	connected []bool
	part      []int // partition group of each server; nil: one group
	deaf      []bool
	ends      [][]string // ends[i][j]: server i's end to j, this incarnation
	gen       int        // incarnations started, for end names
	clients   int
}

// NewGroup returns the group with no server started (StartAll starts
// them).
func NewGroup[S any](net *Net, spec Spec[S]) *Group[S] {
	g := &Group[S]{
		net:       net,
		spec:      spec,
		kill:      spec.Kill,
		servers:   make([]S, spec.N),
		up:        make([]bool, spec.N),
		connected: make([]bool, spec.N),
		deaf:      make([]bool, spec.N),
		ends:      make([][]string, spec.N),
	}
	if g.kill == nil {
		var zero S
		if _, ok := any(zero).(interface{ Kill() }); !ok {
			panic(fmt.Sprintf("tester: %T has no Kill method: set Spec.Kill", zero))
		}
		g.kill = func(s S) { any(s).(interface{ Kill() }).Kill() }
	}
	return g
}

// N returns the number of servers.
func (g *Group[S]) N() int { return g.spec.N }

// Net returns the network the group is on.
func (g *Group[S]) Net() *Net { return g.net }

// All returns 0..N-1.
func (g *Group[S]) All() []int {
	all := make([]int, g.spec.N)
	for i := range all {
		all[i] = i
	}
	return all
}

// ServerName returns server i's name on the network.
func (g *Group[S]) ServerName(i int) string { return fmt.Sprintf("%s-%d", g.spec.Name, i) }

// StartAll starts every server and connects them all.
func (g *Group[S]) StartAll() {
	for i := 0; i < g.spec.N; i++ {
		g.Start(i)
	}
	g.ConnectAll()
}

// Start (re)starts server i, crashing the running instance first, with
// fresh ends. The new instance is not connected: call Connect, ConnectAll
// or Partition.
func (g *Group[S]) Start(i int) {
	g.Crash(i)
	g.mu.Lock()
	g.gen++
	names := make([]string, g.spec.N)
	ends := make([]*labrpc.ClientEnd, g.spec.N)
	for j := range ends {
		names[j] = fmt.Sprintf("%s-%d-%d-g%d", g.spec.Name, i, j, g.gen)
		ends[j] = g.net.MakeEnd(names[j])
		g.net.SetEndOwner(names[j], g.ServerName(i))
		g.net.Connect(names[j], g.ServerName(j))
	}
	g.ends[i] = names
	g.mu.Unlock()
	g.step("start %s", g.ServerName(i))

	s, services := g.spec.Start(i, ends)
	srv := labrpc.MakeServer()
	for _, svc := range services {
		srv.AddService(labrpc.MakeService(svc))
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	g.servers[i], g.up[i] = s, true
	g.net.AddServer(g.ServerName(i), srv)
	g.updateLinksLocked(i)
}

// Crash cuts server i off, removes it from the network, runs
// Spec.Crashed and kills it. A server that is not up is left alone.
func (g *Group[S]) Crash(i int) {
	g.mu.Lock()
	if !g.up[i] {
		g.mu.Unlock()
		return
	}
	g.connected[i] = false
	g.updateLinksLocked(i)
	g.net.DeleteServer(g.ServerName(i))
	s := g.servers[i]
	var zero S
	g.servers[i], g.up[i] = zero, false
	g.mu.Unlock()
	g.step("crash %s", g.ServerName(i))
	if g.spec.Crashed != nil {
		g.spec.Crashed(i)
	}
	g.kill(s)
}

// Shutdown crashes every server. The lab's cleanup then calls the Net's
// Cleanup.
func (g *Group[S]) Shutdown() {
	for i := 0; i < g.spec.N; i++ {
		g.Crash(i)
	}
}

// Server returns the running instance of server i, if it is up.
func (g *Group[S]) Server(i int) (S, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.servers[i], g.up[i]
}

// Up returns the indices of the servers that are up.
func (g *Group[S]) Up() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	var up []int
	for i, ok := range g.up {
		if ok {
			up = append(up, i)
		}
	}
	return up
}

// Leader returns the first server that is up and says it leads.
func (g *Group[S]) Leader(isLeader func(S) bool) (int, bool) {
	for _, i := range g.Up() {
		if s, ok := g.Server(i); ok && isLeader(s) {
			return i, true
		}
	}
	return -1, false
}

// RPCCount returns the RPCs server i received.
func (g *Group[S]) RPCCount(i int) int { return g.net.GetCount(g.ServerName(i)) }

// EndNames returns the names of server i's ends (to server j at j) in its
// current incarnation, for a test that sets single links with Net.Enable.
func (g *Group[S]) EndNames(i int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ends[i]...)
}

// Connect attaches server i (if up) to the servers it may reach.
func (g *Group[S]) Connect(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.connected[i] = g.up[i]
	g.updateLinksLocked(i)
	g.step("connect %s", g.ServerName(i))
}

// Disconnect detaches server i from every server, both directions.
func (g *Group[S]) Disconnect(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.connected[i] = false
	g.updateLinksLocked(i)
	g.step("disconnect %s", g.ServerName(i))
}

// Connected reports whether server i is connected.
func (g *Group[S]) Connected(i int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.connected[i]
}

// ConnectAll connects every server that is up to every other, ending any
// partition and deafness.
func (g *Group[S]) ConnectAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.part = nil
	for i := range g.connected {
		g.connected[i], g.deaf[i] = g.up[i], false
	}
	g.updateAllLocked()
	g.step("connect all of %s", g.spec.Name)
}

// Partition connects the servers within each group and cuts the links
// between groups; a server in no group is cut off from all. Members that
// are up are connected.
func (g *Group[S]) Partition(groups ...[]int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.part = make([]int, g.spec.N)
	for i := range g.part {
		g.part[i] = -1 - i
	}
	for k, members := range groups {
		for _, i := range members {
			g.part[i] = k
			g.connected[i] = g.up[i]
		}
	}
	g.updateAllLocked()
	g.step("partition %s %v", g.spec.Name, groups)
}

// SetGroups puts server i in partition group ids[i] (nil: one group),
// leaving who is connected as it is.
func (g *Group[S]) SetGroups(ids []int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.part = append([]int(nil), ids...)
	g.updateAllLocked()
	g.step("partition %s by groups %v", g.spec.Name, ids)
}

// Deafen stops server i from receiving requests from other servers; its
// own requests and their replies still go through.
func (g *Group[S]) Deafen(i int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deaf[i] = true
	g.updateAllLocked()
	g.step("deafen %s", g.ServerName(i))
}

// step records a step of the test on the network's timeline. The text
// is built only when the run is recorded. g.mu may be held: recording
// never waits on anything but the timeline.
func (g *Group[S]) step(format string, args ...any) {
	if g.net.Timeline() != nil {
		g.net.Step(fmt.Sprintf(format, args...))
	}
}

// linkUpLocked reports whether server i's end to server j should be up.
func (g *Group[S]) linkUpLocked(i, j int) bool {
	return g.connected[i] && g.connected[j] && !(g.deaf[j] && i != j) &&
		(g.part == nil || g.part[i] == g.part[j])
}

func (g *Group[S]) updateAllLocked() {
	for i := 0; i < g.spec.N; i++ {
		g.updateLinksLocked(i)
	}
}

// updateLinksLocked enables exactly those of server i's links, both
// directions, that should be up.
func (g *Group[S]) updateLinksLocked(i int) {
	for j := 0; j < g.spec.N; j++ {
		if g.ends[i] != nil {
			g.net.Enable(g.ends[i][j], g.linkUpLocked(i, j))
		}
		if g.ends[j] != nil {
			g.net.Enable(g.ends[j][i], g.linkUpLocked(j, i))
		}
	}
}

// Client is a client's ends to servers of a group. Its links are not
// partitioned: the test sets them.
type Client struct {
	net   *Net
	names map[int]string // by server index
}

// NewClient returns a client's ends to the given servers (all when none
// are given), in that order, every link up.
func (g *Group[S]) NewClient(servers ...int) (*Client, []*labrpc.ClientEnd) {
	if len(servers) == 0 {
		servers = g.All()
	}
	g.mu.Lock()
	g.clients++
	k := g.clients
	g.mu.Unlock()
	c := &Client{net: g.net, names: map[int]string{}}
	ends := make([]*labrpc.ClientEnd, len(servers))
	for n, j := range servers {
		c.names[j] = fmt.Sprintf("%s-c%d-%d", g.spec.Name, k, j)
		ends[n] = g.net.MakeEnd(c.names[j])
		g.net.SetEndOwner(c.names[j], fmt.Sprintf("%s-c%d", g.spec.Name, k))
		g.net.Connect(c.names[j], g.ServerName(j))
		g.net.Enable(c.names[j], true)
	}
	return c, ends
}

// Only leaves up the client's links to the given servers and cuts the
// others.
func (c *Client) Only(servers ...int) {
	on := map[int]bool{}
	for _, j := range servers {
		on[j] = true
	}
	for j, name := range c.names {
		c.net.Enable(name, on[j])
	}
}

// Cut cuts every link of the client.
func (c *Client) Cut() { c.Only() }
