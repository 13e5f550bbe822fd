package tester

import (
	"fmt"
	"sync"
	"sync/atomic"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Net is one test's labrpc network (seeded from the test's seed) with the
// counters of the "Passed" line.
type Net struct {
	*labrpc.Network
	t *labtest.T

	mu     sync.Mutex
	names  map[string]int // per prefix: ends named so far
	rpcs0  int
	bytes0 int64
	ops    atomic.Int64
}

// NewNet returns a fresh network, reliable or not. The lab's cleanup calls
// its Cleanup once every group is shut down.
func NewNet(t *labtest.T, reliable bool) *Net {
	n := &Net{Network: labrpc.MakeNetwork(), t: t, names: map[string]int{}}
	n.Reliable(reliable)
	return n
}

// T returns the test the network belongs to.
func (n *Net) T() *labtest.T { return n.t }

// NewEnd returns a new end named prefix-K (K counts the ends of that
// prefix, so names are deterministic) and connects it to server. Like
// every labrpc end it starts disabled.
func (n *Net) NewEnd(prefix string, server any) (string, *labrpc.ClientEnd) {
	n.mu.Lock()
	k := n.names[prefix]
	n.names[prefix] = k + 1
	n.mu.Unlock()
	name := fmt.Sprintf("%s-%d", prefix, k)
	end := n.MakeEnd(name)
	n.Connect(name, server)
	return name, end
}

// Begin prints the test's start line and resets the counters Passed
// reports.
func (n *Net) Begin(desc string) {
	n.t.Begin(desc)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rpcs0 = n.GetTotalCount()
	n.bytes0 = n.GetTotalBytes()
	n.ops.Store(0)
}

// Op counts one client operation (or one command agreed on) for Passed.
func (n *Net) Op() { n.ops.Add(1) }

// Ops returns the operations counted since Begin.
func (n *Net) Ops() int { return int(n.ops.Load()) }

// RPCs returns the RPCs sent since Begin.
func (n *Net) RPCs() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.GetTotalCount() - n.rpcs0
}

// Passed prints the "Passed" line for peers servers unless the test failed:
// RPCs, bytes and operations since Begin.
func (n *Net) Passed(peers int) {
	n.mu.Lock()
	rpcs, bytes := n.GetTotalCount()-n.rpcs0, n.GetTotalBytes()-n.bytes0
	n.mu.Unlock()
	n.t.Passed(peers, rpcs, bytes, n.Ops())
}
