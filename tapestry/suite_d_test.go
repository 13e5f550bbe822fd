package tapestry

import (
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
				slot := slotOf(n.Table, l, Digit(d))
				want := len(bestSlot(n.Node.ID, all, l, Digit(d))) > 0
				if want && len(slot) == 0 {
					m.t.Fatalf("%s: %v slot (level %d, digit %x) is empty, but a live node has its prefix", when, n.Node.ID, l, d)
				}
			}
		}
	}
	if gone != nil {
		m.checkForgotten(when, gone)
	}
}

// checkForgotten fails if a live node holds gone in its table or its
// backpointers.
func (m *mesh) checkForgotten(when string, gone *Node) {
	m.t.Helper()
	for _, n := range m.nodes() {
		for l := 0; l < DIGITS; l++ {
			for _, o := range n.Table.GetLevel(l) {
				if o.ID == gone.Node.ID {
					m.t.Fatalf("%s: %v still holds %v, which left", when, n.Node.ID, gone.Node.ID)
				}
			}
			for _, b := range n.Backpointers.Get(l) {
				if b.ID == gone.Node.ID {
					m.t.Fatalf("%s: %v still has a backpointer to %v, which left", when, n.Node.ID, gone.Node.ID)
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
		leaver := m.busiestRoot(values, at)
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
