package chord

// The harness of the chord tests: a ring of nodes on one labrpc network,
// with the operations every scenario needs (create, join, leave, kill) and
// the brute-force answers the tests compare against (the sorted live IDs
// give every successor list, predecessor and finger). It uses only the
// node API, so it grades any implementation behind it.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// manual is a configuration whose periodic tasks never run within a test:
// the scripted schedules call Stabilize, FixFingers and CheckPredecessor by
// hand.
func manual(m, r int) Config {
	return Config{M: m, R: r, StabilizeInterval: time.Hour, FixFingersInterval: time.Hour, CheckPredecessorInterval: time.Hour}
}

// config is one test's ring.
type config struct {
	t    *labtest.T
	net  *tester.Net
	conf Config

	mu    sync.Mutex
	live  []*Node // on the ring, in no order
	all   []*Node // every node made, for cleanup
	names int
}

// run runs body as the test t on an empty ring of configuration conf,
// between the progress line desc and the "Passed" line.
func run(t *testing.T, desc string, conf Config, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := &config{t: t, net: tester.NewNet(t, true), conf: conf}
		defer cfg.cleanup()
		cfg.net.Begin(desc)
		body(t, cfg)
		cfg.net.Passed(len(cfg.nodes()))
	})
}

// cleanup kills every node and the network.
func (cfg *config) cleanup() {
	cfg.mu.Lock()
	all := cfg.all
	cfg.mu.Unlock()
	for _, n := range all {
		n.Kill()
	}
	cfg.net.Cleanup()
}

// newAddr returns a fresh address whose ID no live node has (the ring's
// IDs must be unique; on an 8-bit ring collisions are common). The names
// depend on the seed, so each seed builds a different ring.
func (cfg *config) newAddr() string {
	for {
		cfg.mu.Lock()
		cfg.names++
		addr := fmt.Sprintf("n%d-%d", cfg.names, cfg.t.Rand.IntN(1<<20))
		taken := false
		id := HashKey(addr, cfg.conf.M)
		if len(id) != IDBytes(cfg.conf.M) {
			cfg.mu.Unlock()
			cfg.t.Fatalf("HashKey(%q, %d) = %x: want an ID of %d bytes", addr, cfg.conf.M, id, IDBytes(cfg.conf.M))
		}
		for _, n := range cfg.live {
			taken = taken || bytes.Equal(n.Self().Id, id)
		}
		cfg.mu.Unlock()
		if !taken {
			return addr
		}
	}
}

// makeEnd returns the makeEnd function of the node at from.
func (cfg *config) makeEnd(from string) func(string) *labrpc.ClientEnd {
	return func(to string) *labrpc.ClientEnd {
		name, e := cfg.net.NewEnd(from+"->"+to, to)
		cfg.net.Enable(name, true)
		return e
	}
}

// start makes a node at a fresh address and serves its RPC service.
func (cfg *config) start() *Node {
	addr := cfg.newAddr()
	n := MakeNode(addr, cfg.conf, cfg.makeEnd(addr))
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(n.RPC()))
	cfg.net.AddServer(addr, srv)
	cfg.mu.Lock()
	cfg.all = append(cfg.all, n)
	cfg.mu.Unlock()
	return n
}

// create starts the first node of the ring.
func (cfg *config) create() *Node {
	n := cfg.start()
	n.Create()
	cfg.mu.Lock()
	cfg.live = append(cfg.live, n)
	cfg.mu.Unlock()
	return n
}

// join starts a node and joins it through via; the test fails if Join
// does.
func (cfg *config) join(via *Node) *Node {
	cfg.t.Helper()
	n := cfg.start()
	if err := n.Join(via.Self()); err != nil {
		cfg.t.Fatalf("join through %v: %v", via.Self(), err)
	}
	cfg.mu.Lock()
	cfg.live = append(cfg.live, n)
	cfg.mu.Unlock()
	return n
}

// ring creates a ring of k nodes, joined one at a time through random
// members, and waits until it is stable.
func (cfg *config) ring(k int) []*Node {
	cfg.t.Helper()
	first := cfg.create()
	for range k - 1 {
		cfg.join(cfg.random())
	}
	cfg.waitRing(30 * time.Second)
	_ = first
	return cfg.nodes()
}

// random returns a random live node.
func (cfg *config) random() *Node {
	ns := cfg.nodes()
	return ns[cfg.t.Rand.IntN(len(ns))]
}

// remove takes n off the list of live nodes.
func (cfg *config) remove(n *Node) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.live = slices.DeleteFunc(cfg.live, func(x *Node) bool { return x == n })
}

// kill crashes n: it leaves the network (no reply of it arrives once this
// returns) and stops.
func (cfg *config) kill(n *Node) {
	cfg.remove(n)
	cfg.net.DeleteServer(n.Self().Addr)
	n.Kill()
}

// leave takes n off the ring gracefully and then off the network; the
// test fails if Leave does.
func (cfg *config) leave(n *Node) {
	cfg.t.Helper()
	cfg.remove(n)
	if err := n.Leave(); err != nil {
		cfg.t.Fatalf("leave %v: %v", n.Self(), err)
	}
	cfg.net.DeleteServer(n.Self().Addr)
}

// nodes returns the live nodes in ring order (by ID).
func (cfg *config) nodes() []*Node {
	cfg.mu.Lock()
	ns := slices.Clone(cfg.live)
	cfg.mu.Unlock()
	slices.SortFunc(ns, func(a, b *Node) int { return bytes.Compare(a.Self().Id, b.Self().Id) })
	return ns
}

// successorOf returns the live node that is the successor of id (the
// brute-force answer).
func successorOf(ns []*Node, id []byte) *Node {
	i, _ := slices.BinarySearchFunc(ns, id, func(n *Node, id []byte) int { return bytes.Compare(n.Self().Id, id) })
	return ns[i%len(ns)]
}

// ownerOf returns the live node that owns key.
func (cfg *config) ownerOf(ns []*Node, key string) *Node {
	return successorOf(ns, HashKey(key, cfg.conf.M))
}

// ringError says how the live nodes' successor lists and predecessors
// differ from the stable ring's, or returns "".
func (cfg *config) ringError() string {
	ns := cfg.nodes()
	for i, n := range ns {
		succ := n.Successors()
		if len(succ) != cfg.conf.R {
			return fmt.Sprintf("%v has %d successors, want %d: %v", n.Self(), len(succ), cfg.conf.R, succ)
		}
		for j, s := range succ {
			want := ns[(i+1+j)%len(ns)].Self()
			if !same(s, want) {
				return fmt.Sprintf("%v: successor %d is %v, want %v (list %v)", n.Self(), j, s, want, succ)
			}
		}
		want := ns[(i+len(ns)-1)%len(ns)].Self()
		p, ok := n.Predecessor()
		if !ok && len(ns) == 1 {
			// A lone node may keep no predecessor: the papers' create
			// sets none, and only the node's own notify (which CS 138
			// code may skip for itself) would make it its own.
			continue
		}
		if !ok || !same(p, want) {
			return fmt.Sprintf("%v: predecessor is %v (known %v), want %v", n.Self(), p, ok, want)
		}
	}
	return ""
}

// fingerError says which finger of which node differs from the successor
// of its start, or returns "".
func (cfg *config) fingerError() string {
	ns := cfg.nodes()
	for _, n := range ns {
		fs := n.Fingers()
		if len(fs) != cfg.conf.M {
			return fmt.Sprintf("%v has %d fingers, want %d", n.Self(), len(fs), cfg.conf.M)
		}
		for i, f := range fs {
			start := FingerStart(n.Self().Id, i, cfg.conf.M)
			if !bytes.Equal(f.Start, start) {
				return fmt.Sprintf("%v: finger %d starts at %s, want %s", n.Self(), i, IDString(f.Start), IDString(start))
			}
			if want := successorOf(ns, start).Self(); !same(f.Node, want) {
				return fmt.Sprintf("%v: finger %d (start %s) is %v, want %v", n.Self(), i, IDString(start), f.Node, want)
			}
		}
	}
	return ""
}

// waitFor polls check every 100 ms for at most limit and fails the test
// with check's last complaint if it never returns "".
func (cfg *config) waitFor(limit time.Duration, what string, check func() string) {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			cfg.t.Fatalf("after %v, %s: %s", limit, what, msg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitRing waits until the live nodes form the stable ring.
func (cfg *config) waitRing(limit time.Duration) {
	cfg.t.Helper()
	cfg.waitFor(limit, "the ring is not stable", cfg.ringError)
}

// waitFingers waits until every finger of every live node is right.
func (cfg *config) waitFingers(limit time.Duration) {
	cfg.t.Helper()
	cfg.waitFor(limit, "the fingers are not fixed", cfg.fingerError)
}

// put stores key=value through node via and fails the test if Put does.
func (cfg *config) put(via *Node, key, value string) {
	cfg.t.Helper()
	if err := Put(via, key, value); err != nil {
		cfg.t.Fatalf("Put(%q) through %v: %v\n%s", key, via.Self(), err, cfg.describe())
	}
	cfg.net.Op()
}

// check fails the test unless Get(key) through via returns want.
func (cfg *config) check(via *Node, key, want string) {
	cfg.t.Helper()
	v, err := Get(via, key)
	if err != nil {
		cfg.t.Fatalf("Get(%q) through %v: %v (want %q)", key, via.Self(), err, want)
	}
	if v != want {
		cfg.t.Fatalf("Get(%q) through %v = %q, want %q", key, via.Self(), v, want)
	}
	cfg.net.Op()
}

// checkAll reads every key of kv through a random live node.
func (cfg *config) checkAll(kv map[string]string) {
	cfg.t.Helper()
	for _, k := range sortedKeys(kv) {
		cfg.check(cfg.random(), k, kv[k])
	}
}

// checkOwners fails the test unless each key of kv is held, with its last
// value, by its owner on the stable ring (the brute-force successor of
// its hash), so that a node that took over a range really holds it.
func (cfg *config) checkOwners(kv map[string]string) {
	cfg.t.Helper()
	ns := cfg.nodes()
	held := map[*Node]map[string]string{}
	for _, n := range ns {
		held[n] = n.Keys()
	}
	for _, k := range sortedKeys(kv) {
		o := cfg.ownerOf(ns, k)
		if v, ok := held[o][k]; !ok || v != kv[k] {
			cfg.t.Fatalf("key %q (hash %s): its owner %v holds %q (present %v), want %q",
				k, IDString(HashKey(k, cfg.conf.M)), o.Self(), v, ok, kv[k])
		}
	}
}

// sortedKeys returns the keys of kv in order, so tests visit them in the
// same order under a seed.
func sortedKeys(kv map[string]string) []string {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkSingleOwners fails the test unless exactly one live node answers
// for each key of kv (asked directly, without routing): a key is never
// served twice. A node may refuse keys for a moment after its range grew
// (it first pulls the newest copies), so "none" is given a few seconds.
func (cfg *config) checkSingleOwners(kv map[string]string) {
	cfg.t.Helper()
	cfg.waitFor(5*time.Second, "a key is not served by exactly one node", func() string {
		ns := cfg.nodes()
		for _, k := range sortedKeys(kv) {
			var serving []RemoteNode
			for _, n := range ns {
				var reply KeyValueReply
				if err := n.RPC().Get(&KeyValueReq{Id: n.Self().Id, Key: k}, &reply); err != nil {
					cfg.t.Fatalf("Get(%q) at %v: %v", k, n.Self(), err)
				}
				if reply.Err == OK || reply.Err == ErrNoKey {
					serving = append(serving, n.Self())
				}
			}
			msg := fmt.Sprintf("key %q (hash %s) is served by %d nodes %v, want exactly its owner %v",
				k, IDString(HashKey(k, cfg.conf.M)), len(serving), serving, cfg.ownerOf(ns, k).Self())
			if len(serving) > 1 {
				cfg.t.Fatal(msg)
			}
			if len(serving) == 0 {
				return msg
			}
		}
		return ""
	})
}

// putKeys puts k distinct keys through random nodes and returns them.
func (cfg *config) putKeys(k int) map[string]string {
	cfg.t.Helper()
	kv := map[string]string{}
	for i := range k {
		key := fmt.Sprintf("key-%d", i)
		kv[key] = fmt.Sprintf("value-%d-%d", i, cfg.t.Rand.IntN(1000))
		cfg.put(cfg.random(), key, kv[key])
	}
	return kv
}

// settle runs rounds of Stabilize and CheckPredecessor on every live node,
// in ring order, until the ring is stable, for the scripted schedules whose
// periodic tasks never run (manual); it fails the test after rounds rounds.
func (cfg *config) settle(rounds int) {
	cfg.t.Helper()
	for range rounds {
		if cfg.ringError() == "" {
			return
		}
		for _, n := range cfg.nodes() {
			n.CheckPredecessor()
			n.Stabilize()
		}
	}
	if msg := cfg.ringError(); msg != "" {
		cfg.t.Fatalf("after %d rounds of stabilisation the ring is not stable: %s", rounds, msg)
	}
}

// manualRing creates a ring of k nodes under manual, joining each through
// the first and stabilising by hand.
func (cfg *config) manualRing(k int) []*Node {
	cfg.t.Helper()
	first := cfg.create()
	for range k - 1 {
		cfg.join(first)
		cfg.settle(3 * k)
	}
	return cfg.nodes()
}

// after returns the node that follows n on the stable ring by k places.
func after(ns []*Node, n *Node, k int) *Node {
	i := slices.Index(ns, n)
	return ns[(i+k)%len(ns)]
}

// describe lists every live node's predecessor and successors, for a
// failure message.
func (cfg *config) describe() string {
	var b strings.Builder
	b.WriteString("the ring (live nodes in order):\n")
	for _, n := range cfg.nodes() {
		p, _ := n.Predecessor()
		fmt.Fprintf(&b, "  %v: predecessor %v, successors %v\n", n.Self(), p, n.Successors())
	}
	return b.String()
}
