package tapestry

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestJoinMulticastC joins nodes whose IDs share a prefix with part of the
// mesh and checks the acknowledged multicast: every node that shares the
// new node's prefix with its root got it, and when Join returns those
// nodes already hold the new node wherever it is among the closest
// (Zhao et al. 2004, §IV-A, Theorem 2 and Figure 6).
func TestJoinMulticastC(t *testing.T) {
	run(t, "Test (C): acknowledged multicast reaches the new node's prefix", testDigits, func(t *labtest.T, m *mesh) {
		m.grow(24)
		for round := 0; round < 6; round++ {
			nodes := m.nodes()
			// Share the first one or two digits with a random node.
			base := nodes[t.Rand.IntN(len(nodes))].Node.ID
			id := m.randomID()
			copy(id[:1+round%2], base[:1+round%2])
			all := append(ids(nodes), id)
			var p int
			for _, n := range nodes {
				if rootOf(id, ids(nodes)) == n.Node.ID {
					p = SharedPrefixLength(n.Node.ID, id)
				}
			}
			before := map[*Node]int64{}
			for _, n := range nodes {
				before[n] = m.counter("AddNodeMulticast", m.host(n)).Load() + m.counter("AddNode", m.host(n)).Load()
			}
			newNode := m.mustStart(id, nodes[t.Rand.IntN(len(nodes))].Node.Address)
			for _, n := range nodes {
				got := m.counter("AddNodeMulticast", m.host(n)).Load() + m.counter("AddNode", m.host(n)).Load() - before[n]
				shares := SharedPrefixLength(n.Node.ID, id) >= p
				if shares && got == 0 {
					t.Fatalf("join of %v (root prefix %d digits): %v shares the prefix but got no AddNode or AddNodeMulticast", id, p, n.Node.ID)
				}
				if !shares && got > 0 {
					t.Fatalf("join of %v (root prefix %d digits): %v does not share the prefix but got %d multicast calls", id, p, n.Node.ID, got)
				}
				if shares {
					l := SharedPrefixLength(n.Node.ID, id)
					want := bestSlot(n.Node.ID, all, l, id[l])
					if got := slotDistances(n, l, id[l]); len(got) != len(want) || !sameStrings(got, want) {
						t.Fatalf("when Join of %v returned, %v's slot (level %d, digit %x) holds distances %v, want %v", id, n.Node.ID, l, id[l], got, want)
					}
				}
			}
			_ = newNode
			m.pause(2 * IdleTimeout)
		}
	})
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestJoinConvergesC joins nodes one at a time and checks after each join
// that every table, the new node's and the others', is the brute-force
// best one.
func TestJoinConvergesC(t *testing.T) {
	run(t, "Test (C): tables are the closest nodes after every join", testDigits, func(t *labtest.T, m *mesh) {
		m.grow(6)
		for i := 0; i < 20; i++ {
			m.grow(1)
			m.checkOptimal("after a join")
		}
	})
}

// TestJoinTransfersC publishes objects, then joins nodes that become the
// roots of some of them, and finds every object right away, well before
// any republish: the old roots transferred the location entries.
func TestJoinTransfersC(t *testing.T) {
	run(t, "Test (C): a join transfers the entries whose root moved", testDigits, func(t *labtest.T, m *mesh) {
		m.grow(12)
		values, _ := m.storeRandom(16, "move")
		start := time.Now()
		moved := 0
		for key := range values {
			if moved == 6 {
				break
			}
			// An ID one away from the key's hash: the new root of key.
			id := Hash(key)
			id[DIGITS-1] ^= 1
			if rootOf(Hash(key), append(ids(m.nodes()), id)) != id {
				continue
			}
			n := m.mustStart(id, m.nodes()[0].Node.Address)
			if got := n.LocationsByKey.Get(key); len(got) == 0 {
				t.Fatalf("the new root %v of %q has no location entry for it after Join", id, key)
			}
			moved++
		}
		if moved == 0 {
			t.Fatalf("no key's root could be moved")
		}
		m.checkFound("after joins that moved roots", values)
		if d := time.Since(start); d >= REPUBLISH {
			t.Fatalf("test took %v, not under REPUBLISH: republishing may have hidden missing transfers", d)
		}
	})
}
