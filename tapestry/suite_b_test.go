package tapestry

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// storeRandom stores k objects, each at a random live node, and returns
// key -> value and key -> the node that stores it.
func (m *mesh) storeRandom(k int, prefix string) (map[string]string, map[string]*Node) {
	m.t.Helper()
	values, at := map[string]string{}, map[string]*Node{}
	nodes := m.nodes()
	for i := 0; i < k; i++ {
		key := fmt.Sprintf("%s-%d-%d", prefix, i, m.t.Rand.IntN(1000000))
		n := nodes[m.t.Rand.IntN(len(nodes))]
		value := "value of " + key
		if err := n.Store(key, []byte(value)); err != nil {
			m.t.Fatalf("Store(%q) at %v: %v", key, n.Node.ID, err)
		}
		values[key], at[key] = value, n
	}
	return values, at
}

// busiestRoot is the live node that is the root of the most keys of values
// stored elsewhere (at: where each is stored). The keys it stores itself
// are taken out of values: they go with it.
func (m *mesh) busiestRoot(values map[string]string, at map[string]*Node) *Node {
	m.t.Helper()
	all := ids(m.nodes())
	roots := map[ID]int{}
	for key := range values {
		if r := rootOf(Hash(key), all); r != at[key].Node.ID {
			roots[r]++
		}
	}
	var best *Node
	for _, n := range m.nodes() {
		if best == nil || roots[n.Node.ID] > roots[best.Node.ID] {
			best = n
		}
	}
	if roots[best.Node.ID] == 0 {
		m.t.Fatalf("no node is the root of a key stored elsewhere (the seed's draws)")
	}
	for key, n := range at {
		if n == best {
			delete(values, key)
		}
	}
	return best
}

// TestPublishLookupB stores objects at random nodes and gets each one from
// every node.
func TestPublishLookupB(t *testing.T) {
	run(t, "Test (B): objects stored anywhere are found from every node", testDigits, func(t *labtest.T, m *mesh) {
		m.static(16)
		values, _ := m.storeRandom(20, "obj")
		m.checkFound("after 20 stores", values)
	})
}

// TestLocationExpiresB checks the soft state of the location map: a
// published object stays found while it is republished, and a root
// forgets it TIMEOUT after the last registration once publishing is
// cancelled (Zhao et al. 2004, §III-B).
func TestLocationExpiresB(t *testing.T) {
	run(t, "Test (B): location entries live TIMEOUT unless republished", testDigits, func(t *labtest.T, m *mesh) {
		m.static(12)
		nodes := m.nodes()
		pub, other := nodes[1], nodes[7]
		kept, err := pub.Publish("kept")
		if err != nil {
			t.Fatalf("Publish(kept): %v", err)
		}
		defer close(kept)
		cancel, err := pub.Publish("dropped")
		if err != nil {
			t.Fatalf("Publish(dropped): %v", err)
		}
		lookup := func(key string) []RemoteNode {
			t.Helper()
			got, err := other.Lookup(key)
			if err != nil {
				t.Fatalf("Lookup(%q): %v", key, err)
			}
			return got
		}
		m.pause(REPUBLISH + time.Second)
		close(cancel)
		last := time.Now().Add(-time.Second) // the republish just before cancel
		if got := lookup("dropped"); len(got) != 1 || got[0].ID != pub.Node.ID {
			t.Fatalf("Lookup(dropped) right after cancel = %v, want [%v]", got, pub.Node)
		}
		m.pause(time.Until(last.Add(TIMEOUT - time.Second)))
		if got := lookup("dropped"); len(got) != 1 {
			t.Fatalf("Lookup(dropped) 1 s before TIMEOUT = %v, want [%v]: the entry expired early", got, pub.Node)
		}
		m.pause(2 * time.Second)
		if got := lookup("dropped"); len(got) != 0 {
			t.Fatalf("Lookup(dropped) 1 s after TIMEOUT with publishing cancelled = %v, want none", got)
		}
		m.pause(3 * TIMEOUT)
		if got := lookup("kept"); len(got) != 1 || got[0].ID != pub.Node.ID {
			t.Fatalf("Lookup(kept) after 3 TIMEOUTs of republishing = %v, want [%v]", got, pub.Node)
		}
	})
}

// TestRemoveB checks that Remove stops the republishing of an object: it
// is not found once the root's entry expires.
func TestRemoveB(t *testing.T) {
	run(t, "Test (B): Remove stops publishing", testDigits, func(t *labtest.T, m *mesh) {
		m.static(10)
		values, at := m.storeRandom(6, "rm")
		for key, n := range at {
			if !n.Remove(key) {
				t.Fatalf("Remove(%q) at the node that stored it = false", key)
			}
			if n.Remove(key) {
				t.Fatalf("second Remove(%q) = true", key)
			}
		}
		m.pause(TIMEOUT + REPUBLISH)
		for key := range values {
			for _, n := range m.nodes() {
				if got, err := n.Get(key); err == nil {
					t.Fatalf("Get(%q) at %v = %q after Remove and TIMEOUT, want an error", key, n.Node.ID, got)
				}
			}
		}
	})
}

// TestBadNodesB kills a node and routes toward its ID from every node: a
// failed hop is retried on the next best node, the answer is the root
// among the live nodes, and the dead node is no longer any node's first
// choice (Zhao et al. 2004, §IV-C; the course's RETRIES and
// RemoveBadNodes). Objects stored on live nodes are still found.
func TestBadNodesB(t *testing.T) {
	run(t, "Test (B): failed hops are retried and dead nodes removed", testDigits, func(t *labtest.T, m *mesh) {
		m.static(20)
		nodes := m.nodes()
		victim := nodes[m.t.Rand.IntN(len(nodes))]
		m.kill(victim)
		values, _ := m.storeRandom(10, "bad")
		m.checkRoots("after a kill", []ID{victim.Node.ID})
		for _, n := range m.nodes() {
			for l := 0; l < DIGITS; l++ {
				if s := slotOf(n.Table, l, victim.Node.ID[l]); len(s) > 0 && s[0].ID == victim.Node.ID {
					t.Fatalf("%v still routes through the dead %v (level %d) after a FindRoot through it", n.Node.ID, victim.Node.ID, l)
				}
			}
		}
		m.checkFound("after a kill", values)
	})
}

// TestKillB checks that Kill stops every goroutine of a node: its server,
// its connections and the republishing of what it stores or publishes
// (even publishing whose cancel channel nobody closes).
func TestKillB(t *testing.T) {
	run(t, "Test (B): Kill stops every goroutine", testDigits, func(t *labtest.T, m *mesh) {
		t.StrictLeaks()
		m.static(8)
		m.storeRandom(12, "kill")
		// Publishing that nothing cancels: only Kill can stop it.
		for i, n := range m.nodes() {
			if _, err := n.Publish(fmt.Sprintf("published-%d", i)); err != nil {
				t.Fatalf("Publish at %v: %v", n.Node.ID, err)
			}
		}
		m.pause(REPUBLISH)
		for _, n := range m.nodes() {
			m.kill(n)
		}
		t.CheckStopped(time.Second, "after every node was killed", "distlabs/tapestry")
	})
}

// TestKillRepublishB kills the root of several objects: their publishers
// register them with the new roots at the next republish, so every object
// is found again within REPUBLISH (Zhao et al. 2004, §IV-C: soft state
// recovers from failures).
func TestKillRepublishB(t *testing.T) {
	run(t, "Test (B): a killed root's objects are found after republish", testDigits, func(t *labtest.T, m *mesh) {
		m.static(16)
		values, at := m.storeRandom(24, "crash")
		victim := m.busiestRoot(values, at)
		m.kill(victim)
		m.pause(REPUBLISH + time.Second)
		m.checkFound("REPUBLISH after the kill of a root", values)
	})
}
