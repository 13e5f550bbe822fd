package tapestry

import (
	"fmt"
	"math"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// checkConsistent fails unless no slot of any live node is empty while a
// live node has its prefix, and no slot holds a node that left (Zhao et al.
// 2004, §IV, Property 1: consistency).
func (m *mesh) checkConsistent(when string, gone *Node) {
	m.t.Helper()
	nodes := m.nodes()
	all := ids(nodes)
	for _, n := range nodes {
		for l := 0; l < DIGITS; l++ {
			for d := 0; d < BASE; d++ {
				slot := n.Table.Slot(l, Digit(d))
				want := len(bestSlot(n.Node.ID, all, l, Digit(d))) > 0
				if want && len(slot) == 0 {
					m.t.Fatalf("%s: %v slot (level %d, digit %x) is empty, but a live node has its prefix", when, n.Node.ID, l, d)
				}
				for _, o := range slot {
					if gone != nil && o.ID == gone.Node.ID {
						m.t.Fatalf("%s: %v still holds %v, which left", when, n.Node.ID, gone.Node.ID)
					}
				}
			}
			if gone != nil {
				for _, b := range n.Backpointers.Get(l) {
					if b.ID == gone.Node.ID {
						m.t.Fatalf("%s: %v still has a backpointer to %v, which left", when, n.Node.ID, gone.Node.ID)
					}
				}
			}
		}
	}
}

// TestLeaveD makes the root of several objects leave: every node it knew
// forgets it, the tables stay consistent, every ID has one root, and its
// location entries are found at once at the new roots (Zhao et al. 2004,
// §IV-B, voluntary node deletion).
func TestLeaveD(t *testing.T) {
	run(t, "Test (D): graceful Leave notifies and transfers", testDigits, func(t *labtest.T, m *mesh) {
		m.grow(20)
		values, at := m.storeRandom(30, "leave")
		// The node that is the root of most keys and stores none.
		roots := map[ID]int{}
		for key := range values {
			roots[rootOf(Hash(key), ids(m.nodes()))]++
		}
		var leaver *Node
		for _, n := range m.nodes() {
			stores := false
			for _, s := range at {
				stores = stores || s == n
			}
			if !stores && (leaver == nil || roots[n.Node.ID] > roots[leaver.Node.ID]) {
				leaver = n
			}
		}
		if leaver == nil || roots[leaver.Node.ID] == 0 {
			t.Fatalf("no root to make leave (seed draws)")
		}
		start := time.Now()
		m.leave(leaver)
		m.checkConsistent("after Leave", leaver)
		m.checkRoots("after Leave", m.randomIDs(10))
		m.checkFound("after Leave", values)
		if d := time.Since(start); d >= REPUBLISH {
			t.Fatalf("test took %v, not under REPUBLISH: republishing may have hidden a missing transfer", d)
		}
	})
}

// TestKillRepublishD kills the root of several objects: their publishers
// register them with the new roots at the next republish, so every object
// is found again within REPUBLISH (Zhao et al. 2004, §IV-C: soft state
// recovers from failures).
func TestKillRepublishD(t *testing.T) {
	run(t, "Test (D): a killed root's objects are found after republish", testDigits, func(t *labtest.T, m *mesh) {
		m.grow(16)
		values, at := m.storeRandom(24, "crash")
		roots := map[ID]int{}
		for key := range values {
			roots[rootOf(Hash(key), ids(m.nodes()))]++
		}
		var victim *Node
		for _, n := range m.nodes() {
			stores := false
			for _, s := range at {
				stores = stores || s == n
			}
			if !stores && (victim == nil || roots[n.Node.ID] > roots[victim.Node.ID]) {
				victim = n
			}
		}
		m.kill(victim)
		m.pause(REPUBLISH + time.Second)
		m.checkFound("REPUBLISH after the kill of a root", values)
	})
}

// TestScaleD builds a 256-node mesh by joins and routes 10,000 lookups of
// random IDs from random nodes: each finds the brute-force root, and the
// mean hop count stays near log_BASE(256) = 2 (Zhao et al. 2004, §III-A:
// routing takes O(log_b N) hops).
func TestScaleD(t *testing.T) {
	run(t, "Test (D): 256 nodes, 10,000 lookups", 4, func(t *labtest.T, m *mesh) {
		const n, lookups = 256, 10000
		m.grow(n)
		nodes := m.nodes()
		all := ids(nodes)
		var hops, most int64
		for i := 0; i < lookups; i++ {
			id := m.randomIDs(1)[0]
			from := nodes[t.Rand.IntN(len(nodes))]
			root, h, err := m.findRoot(from, id)
			if err != nil {
				t.Fatalf("lookup %d: FindRoot(%v) at %v: %v", i, id, from.Node.ID, err)
			}
			if want := rootOf(id, all); root.ID != want {
				t.Fatalf("lookup %d: FindRoot(%v) at %v = %v, want %v", i, id, from.Node.ID, root.ID, want)
			}
			hops += h
			most = max(most, h)
			if i%1000 == 999 {
				m.pause(time.Millisecond)
			}
		}
		mean := float64(hops) / lookups
		bound := math.Ceil(math.Log(n)/math.Log(float64(BASE))) + 0.5
		fmt.Printf("  ... %d nodes, %d lookups: mean %.2f hops, most %d (bound %.1f)\n", n, lookups, mean, most, bound)
		if mean > bound || most > int64(DIGITS) {
			t.Fatalf("mean %.2f hops (bound %.1f), most %d (bound DIGITS = %d)", mean, bound, most, DIGITS)
		}
	})
}
