package chord

// Targeted rules. Each test cites the rule it checks: the Chord papers
// (Stoica et al., SIGCOMM 2001; ToN 2003) for notify and check
// predecessor, and Pamela Zave's analysis for the ring maintenance
// ("Using lightweight modeling to understand Chord", ACM CCR 42(2), 2012;
// "Reasoning about identifier spaces: how to make Chord correct", IEEE TSE
// 43(12), 2017). The scripted schedules run under manual, whose periodic
// tasks never fire: the test calls Stabilize and CheckPredecessor in the
// order of the counterexample, so each schedule is exact.

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Notify: a node takes the notifier as predecessor only if it has none or
// the notifier lies between its predecessor and itself (SIGCOMM 2001,
// n.notify in the stabilisation pseudo-code). A stale notifier must not
// move it back.
func TestNotifyKeepsCloserPredecessorB(t *testing.T) {
	run(t, "Test (B): Notify never moves a predecessor backwards", manual(8, 3), func(t *labtest.T, cfg *config) {
		ns := cfg.manualRing(5)
		for _, s := range ns {
			pred := after(ns, s, len(ns)-1)
			for _, cand := range ns {
				if cand == s || cand == pred {
					continue
				}
				var reply NotifyReply
				if err := s.RPC().Notify(&NotifyReq{Id: s.Self().Id, Node: cand.Self()}, &reply); err != nil {
					t.Fatalf("Notify(%v) at %v: %v", cand.Self(), s.Self(), err)
				}
				if p, ok := s.Predecessor(); !ok || !same(p, pred.Self()) || reply.Accepted {
					t.Fatalf("%v notified by %v (not between its predecessor %v and itself): predecessor is now %v, accepted %v",
						s.Self(), cand.Self(), pred.Self(), p, reply.Accepted)
				}
			}
		}
	})
}

// Check predecessor: a node whose predecessor does not answer forgets it,
// so that the next node to notify becomes its predecessor (ToN 2003,
// the check_predecessor pseudo-code).
func TestCheckPredecessorC(t *testing.T) {
	run(t, "Test (C): a dead predecessor is forgotten and replaced", manual(8, 3), func(t *labtest.T, cfg *config) {
		ns := cfg.manualRing(6)
		victim := ns[2]
		pred, succ := after(ns, victim, len(ns)-1), after(ns, victim, 1)
		cfg.kill(victim)
		succ.CheckPredecessor()
		if p, ok := succ.Predecessor(); ok {
			t.Fatalf("%v still has predecessor %v after %v died and it checked", succ.Self(), p, victim.Self())
		}
		pred.Stabilize()
		if p, ok := succ.Predecessor(); !ok || !same(p, pred.Self()) {
			t.Fatalf("%v: predecessor %v (known %v) after %v stabilised, want %v", succ.Self(), p, ok, pred.Self(), pred.Self())
		}
		cfg.settle(10)
	})
}

// Zave (TSE 2017, the corrected join): a joining node copies its
// successor's successor list. In the original join (SIGCOMM 2001,
// the stabilisation pseudo-code) a new node knows only its successor, and if that successor
// fails before the new node's first stabilisation the new node can never
// reach the ring again (Zave, CCR 2012, among its counterexamples: a joined node cut off by
// the failure of its only successor). Schedule: a stable ring, a join,
// the new node's successor dies, and then only the new node stabilises.
func TestJoinerSurvivesSuccessorFailureC(t *testing.T) {
	run(t, "Test (C): a new node survives its successor's failure before stabilising", manual(8, 2), func(t *labtest.T, cfg *config) {
		cfg.manualRing(6)
		n := cfg.join(cfg.random())
		ns := cfg.nodes()
		succ := after(ns, n, 1)
		cfg.kill(succ)
		n.Stabilize()
		got := n.Successors()
		if want := after(cfg.nodes(), n, 1).Self(); !same(got[0], want) {
			t.Fatalf("new node %v: after its successor %v died it stabilised to successor %v, want %v (list %v)",
				n.Self(), succ.Self(), got[0], want, got)
		}
		cfg.settle(10)
	})
}

// Zave (CCR 2012; TSE 2017, the corrected stabilize): a node adopts its
// successor's predecessor as its new successor only if that node answers.
// The original stabilize (SIGCOMM 2001) adopts it unchecked; if
// it has just failed, the node's first successor is a dead node, and with
// one successor (the original protocol) the ring is broken. Schedule: a
// node joins between p and s and notifies s, then dies before p
// stabilises; p stabilises once.
func TestDeadPredecessorNotAdoptedC(t *testing.T) {
	run(t, "Test (C): stabilize does not adopt a dead successor's-predecessor", manual(8, 3), func(t *labtest.T, cfg *config) {
		cfg.manualRing(6)
		n := cfg.join(cfg.random())
		ns := cfg.nodes()
		p, s := after(ns, n, len(ns)-1), after(ns, n, 1)
		n.Stabilize() // n notifies s: s's predecessor is now n
		if q, _ := s.Predecessor(); !same(q, n.Self()) {
			t.Fatalf("%v notified by the new node %v took predecessor %v", s.Self(), n.Self(), q)
		}
		cfg.kill(n)
		p.Stabilize()
		live := cfg.nodes()
		got := p.Successors()
		for i, want := range []*Node{after(live, p, 1), after(live, p, 2), after(live, p, 3)} {
			if !same(got[i], want.Self()) {
				t.Fatalf("%v: successor list after stabilising is %v, want %v at %d (the dead %v must not be adopted)",
					p.Self(), got, want.Self(), i, n.Self())
			}
		}
		cfg.settle(10)
	})
}

// The successor list (SIGCOMM 2001, "Failures and Replication"; Zave, TSE 2017: a ring
// survives as long as no node loses its whole list): after R-1 adjacent
// nodes fail at once the ring re-forms, every finger is repaired, and
// every acknowledged key is still there with its last value (it is kept
// on its owner and R-1 successors).
func TestAdjacentFailuresD(t *testing.T) {
	run(t, "Test (D): R-1 adjacent failures lose no node of the ring and no key", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(12)
		kv := cfg.putKeys(60)
		for round := range 3 {
			ns := cfg.nodes()
			first := ns[t.Rand.IntN(len(ns))]
			for k := range cfg.conf.R - 1 {
				cfg.kill(after(ns, first, k))
			}
			cfg.waitRing(20 * time.Second)
			cfg.checkAll(kv)
			for k := range 10 {
				key := fmt.Sprintf("key-%d", k+10*round)
				kv[key] = fmt.Sprintf("round-%d", round)
				cfg.put(cfg.random(), key, kv[key])
			}
			time.Sleep(3 * cfg.conf.StabilizeInterval) // a replication pass
		}
		cfg.waitFingers(20 * time.Second)
		cfg.checkAll(kv)
		cfg.checkOwners(kv)
	})
}
