package tapestry

// The harness of the tapestry tests: a mesh of nodes, each a gRPC server on
// its own host of a labrpc network, reached over labrpc's simulated streams,
// so every test runs in virtual time. Nothing here trusts the code under
// test to judge it: the best routing tables and the root of every ID are
// computed by brute force from the set of live IDs.

import (
	"context"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// testDigits is the ID length of most tests: 16^6 IDs, so that random IDs
// seldom share long prefixes and tables have several levels in use.
const testDigits = 6

type mesh struct {
	t   *labtest.T
	net *tester.Net

	clock *labrpc.ClientEnd // see pause

	mu    sync.Mutex
	live  []*Node          // in order of start
	hosts map[*Node]string // the labrpc host of each node
	hostN int
	calls map[string]*atomic.Int64 // gRPC calls received, by method ("FindRootCaller")
	by    map[string]map[string]*atomic.Int64
}

// run runs body as the test t on an empty mesh with IDs of digits hex
// digits, between the progress line desc and the "Passed" line.
func run(t *testing.T, desc string, digits int, body func(t *labtest.T, m *mesh)) {
	runBase(t, desc, digits, 16, body)
}

// runBase is run with IDs of digits base-base digits.
func runBase(t *testing.T, desc string, digits, base int, body func(t *labtest.T, m *mesh)) {
	labtest.Run(t, func(t *labtest.T) {
		defer useIDs(digits, base)()
		m := &mesh{t: t, net: tester.NewNet(t, true), hosts: map[*Node]string{},
			calls: map[string]*atomic.Int64{}, by: map[string]map[string]*atomic.Int64{}}
		defer useNetwork(m.net.Network)()
		defer m.cleanup()
		m.clock = tester.ServeFake(m.net.Network, 0, &Clock{}, "clock", 0)
		t.Begin(desc)
		body(t, m)
		t.Passed(len(m.nodes()), int(m.total()), 0, 0)
	})
}

// counter returns the count of calls of method received (by host, if host
// is not empty).
func (m *mesh) counter(method, host string) *atomic.Int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if host == "" {
		if m.calls[method] == nil {
			m.calls[method] = new(atomic.Int64)
		}
		return m.calls[method]
	}
	if m.by[host] == nil {
		m.by[host] = map[string]*atomic.Int64{}
	}
	if m.by[host][method] == nil {
		m.by[host][method] = new(atomic.Int64)
	}
	return m.by[host][method]
}

// total is the number of gRPC calls received so far.
func (m *mesh) total() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, c := range m.calls {
		n += c.Load()
	}
	return n
}

// start starts a node with id on a new host, joining through the node at
// connectTo (none if empty).
func (m *mesh) start(id ID, connectTo string) (*Node, error) {
	m.mu.Lock()
	m.hostN++
	host := fmt.Sprintf("node%d", m.hostN)
	m.mu.Unlock()
	count := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		method := info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]
		m.counter(method, "").Add(1)
		m.counter(method, host).Add(1)
		if r, ok := req.(*IdMsg); ok && method == "FindRootCaller" {
			m.counter(method, routeOf(r.GetId())).Add(1)
		}
		return h(ctx, req)
	}
	n, err := startNode(m.net.Network, id, host, connectTo, count)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.live = append(m.live, n)
	m.hosts[n] = host
	m.mu.Unlock()
	return n, nil
}

// mustStart is start that fails the test on an error.
func (m *mesh) mustStart(id ID, connectTo string) *Node {
	m.t.Helper()
	n, err := m.start(id, connectTo)
	if err != nil {
		m.t.Fatalf("start %v: %v", id, err)
	}
	return n
}

// randomID returns an ID no live node has.
func (m *mesh) randomID() ID {
	used := map[ID]bool{}
	for _, n := range m.nodes() {
		used[n.Node.ID] = true
	}
	for {
		var id ID
		for i := 0; i < DIGITS; i++ {
			id[i] = Digit(m.t.Rand.IntN(BASE))
		}
		if !used[id] {
			return id
		}
	}
}

// grow starts k nodes with random IDs, one after another, each joining
// through a random live node.
func (m *mesh) grow(k int) {
	m.t.Helper()
	for i := 0; i < k; i++ {
		via := ""
		if nodes := m.nodes(); len(nodes) > 0 {
			via = nodes[m.t.Rand.IntN(len(nodes))].Node.Address
		}
		m.mustStart(m.randomID(), via)
		// Let idle connections close, as they would between joins.
		m.pause(2 * connIdle)
	}
}

// static starts k nodes with random IDs that join no one, and fills their
// tables by hand, every node offered every other in a random order, with
// the backpointers to match: a mesh that needs only the routing table
// (part A), for the tests of parts A and B.
func (m *mesh) static(k int) {
	m.t.Helper()
	for i := 0; i < k; i++ {
		m.mustStart(m.randomID(), "")
	}
	nodes := m.nodes()
	byID := map[ID]*Node{}
	for _, n := range nodes {
		byID[n.Node.ID] = n
	}
	for _, n := range nodes {
		for _, j := range m.t.Rand.Perm(len(nodes)) {
			o := nodes[j]
			if o == n {
				continue
			}
			added, previous := n.Table.Add(o.Node)
			if added {
				o.Backpointers.Add(n.Node)
			}
			if previous != nil {
				byID[previous.ID].Backpointers.Remove(n.Node)
			}
		}
	}
}

// nodes returns the live nodes.
func (m *mesh) nodes() []*Node {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Node(nil), m.live...)
}

// host is the labrpc host of n.
func (m *mesh) host(n *Node) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hosts[n]
}

func (m *mesh) forget(n *Node) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.live {
		if x == n {
			m.live = append(m.live[:i:i], m.live[i+1:]...)
			return
		}
	}
}

// kill crashes n: its host goes down (its connections reset, nothing
// reaches it) and the node stops without telling anyone.
func (m *mesh) kill(n *Node) {
	m.forget(n)
	m.net.SetHostUp(m.host(n), false)
	n.Kill()
}

// leave makes n leave gracefully.
func (m *mesh) leave(n *Node) {
	m.t.Helper()
	m.forget(n)
	if err := n.Leave(); err != nil {
		m.t.Fatalf("%v leaves: %v", n.Node, err)
	}
}

// cleanup stops every node and the network.
func (m *mesh) cleanup() {
	for _, n := range m.nodes() {
		n.Kill()
	}
	m.net.Cleanup()
}

// ids returns the IDs of nodes.
func ids(nodes []*Node) []ID {
	out := make([]ID, len(nodes))
	for i, n := range nodes {
		out[i] = n.Node.ID
	}
	return out
}

// distance is |a-b| as a number.
func distance(a, b ID) *big.Int {
	return new(big.Int).Abs(new(big.Int).Sub(a.Big(), b.Big()))
}

// bestSlot is, by brute force, what slot (level, d) of me should hold
// among all: the SLOTSIZE nodes closest to me that share me's first level
// digits and have d next (me alone in its own slot). It returns their
// distances to me, sorted, so that ties compare equal.
func bestSlot(me ID, all []ID, level int, d Digit) []string {
	if me[level] == d {
		return []string{"0"}
	}
	var ds []*big.Int
	for _, o := range all {
		if o != me && SharedPrefixLength(me, o) == level && o[level] == d {
			ds = append(ds, distance(me, o))
		}
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Cmp(ds[j]) < 0 })
	if len(ds) > SLOTSIZE {
		ds = ds[:SLOTSIZE]
	}
	return strs(ds)
}

func strs(ds []*big.Int) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

// slotDistances is what n's slot (level, d) holds, as distances to n,
// sorted: a slot is compared as a set, since the course does not fix the
// order of the nodes within a slot (its FindNextHop picks the closest).
func slotDistances(n *Node, level int, d Digit) []string {
	var ds []*big.Int
	for _, o := range slotOf(n.Table, level, d) {
		ds = append(ds, distance(n.Node.ID, o.ID))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].Cmp(ds[j]) < 0 })
	return strs(ds)
}

// checkOptimal fails unless every slot of every node holds what bestSlot
// says, and nothing but live nodes (Zhao et al. 2004, §III-A:
// each slot keeps the closest nodes with its prefix; §IV-A, Property 1:
// a slot is empty only if no node has its prefix).
func (m *mesh) checkOptimal(when string) {
	m.t.Helper()
	nodes := m.nodes()
	all := ids(nodes)
	live := map[ID]bool{}
	for _, id := range all {
		live[id] = true
	}
	bad := 0
	for _, n := range nodes {
		for l := 0; l < DIGITS; l++ {
			for d := 0; d < BASE; d++ {
				want := bestSlot(n.Node.ID, all, l, Digit(d))
				got := slotDistances(n, l, Digit(d))
				dead := ""
				for _, o := range slotOf(n.Table, l, Digit(d)) {
					if !live[o.ID] {
						dead = fmt.Sprintf(" (holds %v, not live)", o)
					}
				}
				if strings.Join(got, ",") != strings.Join(want, ",") || dead != "" {
					if bad++; bad <= 5 {
						m.t.Errorf("%s: node %v slot (level %d, digit %x) holds nodes at distances %v, want %v%s",
							when, n.Node.ID, l, d, got, want, dead)
					}
				}
			}
		}
	}
	if bad > 0 {
		m.t.Fatalf("%s: %d slots of %d nodes are not the closest nodes of their prefix", when, bad, len(nodes))
	}
}

// rootOf is, by brute force, the root of id among all: surrogate routing
// keeps, at each level, the nodes with id's digit or else the next digit
// present (wrapping around), until one node is left.
func rootOf(id ID, all []ID) ID {
	cands := all
	for l := 0; l < DIGITS && len(cands) > 1; l++ {
		present := map[Digit]bool{}
		for _, c := range cands {
			present[c[l]] = true
		}
		var d Digit
		for k := 0; k < BASE; k++ {
			d = Digit((int(id[l]) + k) % BASE)
			if present[d] {
				break
			}
		}
		var next []ID
		for _, c := range cands {
			if c[l] == d {
				next = append(next, c)
			}
		}
		cands = next
	}
	return cands[0]
}

// routeOf is the pseudo-host under which the calls of FindRoot for the ID
// id are counted: a node that repairs its table on the way routes toward
// other IDs, which are not hops of this route.
func routeOf(id string) string { return "route " + id }

// findRoot asks n for the root of id, as its own clients do, and returns
// the root and the hops taken (FindRoot calls for id the mesh received).
func (m *mesh) findRoot(n *Node, id ID) (RemoteNode, int64, error) {
	c := m.counter("FindRootCaller", routeOf(id.String()))
	before := c.Load()
	rsp, err := n.FindRootCaller(context.Background(), &IdMsg{Id: id.String()})
	hops := c.Load() - before
	if err != nil {
		return RemoteNode{}, hops, err
	}
	// Read the answer here, not with the code under test's helpers.
	root, err := ParseID(rsp.GetNext().GetId())
	return RemoteNode{ID: root, Address: rsp.GetNext().GetAddress()}, hops, err
}

// checkRoots fails unless every live node finds the brute-force root of
// each of ids in at most DIGITS hops.
func (m *mesh) checkRoots(when string, ids []ID) {
	m.t.Helper()
	m.checkRootsHops(when, ids, true)
}

// checkRootsHops is checkRoots, with the bound on hops only if bounded.
func (m *mesh) checkRootsHops(when string, ids []ID, bounded bool) {
	m.t.Helper()
	nodes := m.nodes()
	all := make([]ID, len(nodes))
	for i, n := range nodes {
		all[i] = n.Node.ID
	}
	for _, id := range ids {
		want := rootOf(id, all)
		for _, n := range nodes {
			root, hops, err := m.findRoot(n, id)
			if err != nil {
				m.t.Fatalf("%s: FindRoot(%v) at %v: %v", when, id, n.Node.ID, err)
			}
			if root.ID != want {
				m.t.Fatalf("%s: FindRoot(%v) at %v = %v, want the root %v", when, id, n.Node.ID, root.ID, want)
			}
			if bounded && hops > int64(DIGITS) {
				m.t.Fatalf("%s: FindRoot(%v) at %v took %d hops, more than DIGITS = %d", when, id, n.Node.ID, hops, DIGITS)
			}
		}
	}
}

// randomIDs returns k random IDs.
func (m *mesh) randomIDs(k int) []ID {
	out := make([]ID, k)
	for i := range out {
		for j := 0; j < DIGITS; j++ {
			out[i][j] = Digit(m.t.Rand.IntN(BASE))
		}
	}
	return out
}

// checkFound fails unless every live node gets value for each key.
func (m *mesh) checkFound(when string, values map[string]string) {
	m.t.Helper()
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, n := range m.nodes() {
		for _, k := range keys {
			got, err := n.Get(k)
			if err != nil {
				m.t.Fatalf("%s: Get(%q) at %v: %v", when, k, n.Node.ID, err)
			}
			if string(got) != values[k] {
				m.t.Fatalf("%s: Get(%q) at %v = %q, want %q", when, k, n.Node.ID, got, values[k])
			}
		}
	}
}

// Clock is a labrpc service whose calls tell the harness's watchdog that
// the test lives: it judges a bubble by its labrpc calls, and the nodes
// talk gRPC over streams, which it does not see.
type Clock struct{}

// Tick does nothing.
func (*Clock) Tick(args int, reply *int) {}

// pause lets d of virtual time pass, then shows the watchdog a sign of
// life.
func (m *mesh) pause(d time.Duration) {
	time.Sleep(d)
	var reply int
	m.clock.Call("Clock.Tick", 0, &reply)
}
