package tapestry

import (
	"testing"

	"distlabs/test/labtest"
)

// The rules of a graceful leave that TestLeaveD's hex mesh cannot tell
// apart: there, every node that holds the leaver is also in the leaver's
// table, so telling the table's nodes reaches the backpointers too.

// backpointerOutsideTable returns a live node with a backpointer that is
// not in its own table, and that backpointer: one that only the
// backpointers can tell about a leave.
func (m *mesh) backpointerOutsideTable() (*Node, RemoteNode, bool) {
	for _, n := range m.nodes() {
		inTable := map[ID]bool{}
		for l := 0; l < DIGITS; l++ {
			for _, o := range n.Table.GetLevel(l) {
				inTable[o.ID] = true
			}
		}
		for l := 0; l < DIGITS; l++ {
			for _, b := range n.Backpointers.Get(l) {
				if !inTable[b.ID] {
					return n, b, true
				}
			}
		}
	}
	return nil, RemoteNode{}, false
}

// TestLeaveTellsBackpointersD makes a node leave whose backpointers
// include a node its own table lacks (a base-4 mesh, where slots are full
// and who holds whom is not symmetric): every node that held it forgets
// it and refills the slot, and every ID keeps one root (Zhao et al. 2004,
// §IV-B: the leaving node tells the nodes of its backpointer list, with a
// replacement for the hole it leaves).
func TestLeaveTellsBackpointersD(t *testing.T) {
	runBase(t, "Test (D): Leave tells the nodes that point at it", 6, 4, func(t *labtest.T, m *mesh) {
		m.grow(24)
		leaver, b, ok := m.backpointerOutsideTable()
		for k := 0; !ok && k < 4; k++ {
			// Full slots make such a node likely; more nodes make it
			// more so. The test means nothing without one.
			m.grow(8)
			leaver, b, ok = m.backpointerOutsideTable()
		}
		if !ok {
			t.Fatalf("no node of a base-4 mesh of %d nodes has a backpointer outside its table", len(m.nodes()))
		}
		t.Logf("%v leaves; %v points at it, but is not in its table", leaver.Node.ID, b.ID)
		m.leave(leaver)
		m.checkConsistent("after Leave", leaver)
		m.checkRoots("after Leave", m.randomIDs(10))
	})
}
