package tapestry

import (
	"fmt"
	"math"
	"slices"
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
				before[n] = m.counter("AddNodeMulticastCaller", m.host(n)).Load() + m.counter("AddNodeCaller", m.host(n)).Load()
			}
			newNode := m.mustStart(id, nodes[t.Rand.IntN(len(nodes))].Node.Address)
			for _, n := range nodes {
				got := m.counter("AddNodeMulticastCaller", m.host(n)).Load() + m.counter("AddNodeCaller", m.host(n)).Load() - before[n]
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
					if got := slotDistances(n, l, id[l]); !slices.Equal(got, want) {
						t.Fatalf("when Join of %v returned, %v's slot (level %d, digit %x) holds distances %v, want %v", id, n.Node.ID, l, id[l], got, want)
					}
				}
			}
			_ = newNode
			m.pause(2 * connIdle)
		}
	})
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

// TestScaleC builds a 256-node mesh by joins and routes 10,000 lookups of
// random IDs from random nodes: each finds the brute-force root, and the
// mean hop count stays near log_BASE(256) = 2 (Zhao et al. 2004, §III-A:
// routing takes O(log_b N) hops). Under the race detector it runs 64
// nodes and 1,000 lookups (config_race_test.go).
func TestScaleC(t *testing.T) {
	run(t, "Test (C): 256 nodes, 10,000 lookups", 4, func(t *labtest.T, m *mesh) {
		n, lookups := 256, 10000
		if raceEnabled {
			n, lookups = 64, 1000
		}
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
		mean := float64(hops) / float64(lookups)
		bound := math.Ceil(math.Log(float64(n))/math.Log(float64(BASE))) + 0.5
		fmt.Printf("  ... %d nodes, %d lookups: mean %.2f hops, most %d (bound %.1f)\n", n, lookups, mean, most, bound)
		if mean > bound || most > int64(DIGITS) {
			t.Fatalf("mean %.2f hops (bound %.1f), most %d (bound DIGITS = %d)", mean, bound, most, DIGITS)
		}
	})
}
