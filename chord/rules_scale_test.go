package chord

// Scale: the O(log N) lookup of Chord (SIGCOMM 2001: O(log N) hops with
// high probability, a measured mean path length of about ½·log2 N) on a
// 1024-node ring in virtual time.

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"testing"

	"distlabs/test/labtest"
)

// scaleLookups is the number of lookups of the scale test; scaleNodes
// (config_race_test.go) its ring size.
const scaleLookups = 10000

// TestScaleB forms a ring of 1024 nodes on a 32-bit ring, joined in waves
// that double it (each node through a random member), and fixes every
// finger; then it runs 10,000 lookups of random points from random nodes.
// Every answer must be the brute-force successor; the mean number of
// forwarding hops must be at most ½·log2 N + 1 and the maximum at most
// log2 N + 2. The test drives the maintenance itself (manual: after each
// wave, rounds of Stabilize on every node until the ring is stable; then
// rounds of FixFingers on every node until every finger is right, at most
// M), which is what the periodic tasks do,
// without 1024 nodes' tickers firing while the ring forms: the test's
// cost is its RPCs, so it keeps to the rounds it needs.
func TestScaleB(t *testing.T) {
	run(t, fmt.Sprintf("Test (B): %d nodes, 10,000 lookups, O(log N) hops", scaleNodes), manual(32, 3), func(t *labtest.T, cfg *config) {
		cfg.create()
		for len(cfg.nodes()) < scaleNodes {
			vias := cfg.nodes()
			for range min(len(vias), scaleNodes-len(vias)) {
				cfg.join(vias[t.Rand.IntN(len(vias))])
			}
			rounds := 0
			for ; cfg.ringError() != ""; rounds++ {
				if rounds == 50 {
					t.Fatalf("%d nodes: the ring is not stable after %d rounds: %s", len(cfg.nodes()), rounds, cfg.ringError())
				}
				// Descending order: a change travels from a node to its
				// predecessors (their lists copy its list) in one round.
				ns := cfg.nodes()
				for i := len(ns) - 1; i >= 0; i-- {
					ns[i].Stabilize()
				}
			}
			t.Logf("%d nodes: stable after %d rounds of Stabilize", len(cfg.nodes()), rounds)
		}
		t.Logf("formed: %d RPCs", cfg.net.RPCs())
		for round := 0; cfg.fingerError() != ""; round++ {
			if round == cfg.conf.M {
				t.Fatalf("after %d rounds of FixFingers: %s", round, cfg.fingerError())
			}
			for _, n := range cfg.nodes() {
				n.FixFingers()
			}
		}
		t.Logf("fingers fixed: %d RPCs", cfg.net.RPCs())
		ns := cfg.nodes()
		hops := make([]int, 0, scaleLookups)
		for range scaleLookups {
			n := ns[t.Rand.IntN(len(ns))]
			q := id(uint64(t.Rand.Uint32()), 32)
			var reply FindReply
			if err := n.RPC().FindSuccessor(&RemoteQuery{Id: n.Self().Id, Query: q}, &reply); err != nil {
				t.Fatalf("FindSuccessor(%s) at %v: %v", IDString(q), n.Self(), err)
			}
			if want := successorOf(ns, q).Self(); !same(reply.Node, want) {
				t.Fatalf("FindSuccessor(%s) at %v = %v, want %v", IDString(q), n.Self(), reply.Node, want)
			}
			hops = append(hops, reply.Hops)
			cfg.net.Op()
		}
		sum := 0
		for _, h := range hops {
			sum += h
		}
		mean, most := float64(sum)/float64(len(hops)), slices.Max(hops)
		log2 := float64(bits.Len(uint(len(ns))) - 1)
		t.Logf("%d nodes, %d lookups: mean %.2f hops, max %d (log2 N = %.0f)", len(ns), len(hops), mean, most, log2)
		if mean > log2/2+1 || float64(most) > log2+2 || math.IsNaN(mean) {
			t.Fatalf("hops: mean %.2f (limit %.1f), max %d (limit %.0f)", mean, log2/2+1, most, log2+2)
		}
	})
}
