package tapestry

import (
	"testing"

	"distlabs/test/labtest"
)

// TestRefillB kills every node a node holds in one slot whose prefix has
// more nodes: the nodes that route through them find them dead, drop them
// and find another node of the prefix for the slot, so every ID still has
// its one root from every node (Zhao et al. 2004, §IV-C: repair of the
// routing table after failures; §IV, Property 1). In a base-4 mesh the
// nodes on one side of a prefix's block all hold its same closest nodes,
// so the kills empty the slot at many nodes at once.
func TestRefillB(t *testing.T) {
	runBase(t, "Test (B): a slot emptied by kills is refilled", 6, 4, func(t *labtest.T, m *mesh) {
		m.static(40)
		all := ids(m.nodes())
		var victims []RemoteNode
		var prefix Digit
		for _, y := range m.nodes() {
			for d := 0; d < BASE && victims == nil; d++ {
				slot := slotOf(y.Table, 0, Digit(d))
				if Digit(d) == y.Node.ID[0] || len(slot) < SLOTSIZE {
					continue
				}
				members := 0
				for _, id := range all {
					if id[0] == Digit(d) {
						members++
					}
				}
				if members > SLOTSIZE {
					victims, prefix = slot, Digit(d)
				}
			}
		}
		if victims == nil {
			t.Fatalf("no slot of 40 nodes in base 4 has a block of more than SLOTSIZE nodes (the seed's draws)")
		}
		byID := map[ID]*Node{}
		for _, n := range m.nodes() {
			byID[n.Node.ID] = n
		}
		for _, v := range victims {
			m.kill(byID[v.ID])
		}
		targets := m.randomIDs(8)
		for i := range targets {
			targets[i][0] = prefix // IDs whose root has the emptied prefix
		}
		// Roots only, not hops: a node that refills routes toward an ID
		// of the emptied prefix, and in a base-4 mesh of 6 digits that
		// ID is often one of targets (2 seeds of 150), whose hops the
		// harness then cannot tell from the repair's.
		m.checkRootsHops("after the kill of a slot's nodes", targets, false)
	})
}
