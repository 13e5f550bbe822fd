package tapestry

import (
	"testing"

	"distlabs/test/labtest"
)

// TestStaticMeshA offers every node of a mesh every other node, in random
// orders, and checks every routing table against the brute-force best
// table.
func TestStaticMeshA(t *testing.T) {
	run(t, "Test (A): routing tables of a static mesh are the closest nodes", testDigits, func(t *labtest.T, m *mesh) {
		m.static(40)
		m.checkOptimal("40 nodes")
	})
}

// TestOneRootA checks surrogate routing: from every node, every ID has
// the same root, the brute-force one, in at most DIGITS hops.
func TestOneRootA(t *testing.T) {
	run(t, "Test (A): one root per ID from every node", testDigits, func(t *labtest.T, m *mesh) {
		m.static(20)
		ids := m.randomIDs(30)
		for _, n := range m.nodes() {
			ids = append(ids, n.Node.ID) // a node is the root of its own ID
		}
		m.checkRoots("20 nodes", ids)
	})
}
