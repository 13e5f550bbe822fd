package chord

// The churn nemesis: joins, graceful leaves and kills of at most R-1
// adjacent nodes while a client puts and gets, checked against a model of
// every acknowledged write.

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestChurnD interleaves client operations with churn, all drawn from the
// seed: after each burst of operations one event (a join, a leave, or the
// kill of 1 to R-1 adjacent nodes, on a ring that has re-formed and
// re-replicated after the previous events, so that never more than R-1
// adjacent nodes are gone before a round of stabilisation). Every Put is acknowledged before the
// next operation and every Get must return the last acknowledged value.
// After the nemesis stops and the ring is stable, every key is read back
// through every node, and each is held by its owner.
func TestChurnD(t *testing.T) {
	run(t, "Test (D): churn (joins, leaves, kills of up to R-1 adjacent nodes)", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(8)
		kv := map[string]string{}
		for step := range 40 {
			for range 6 {
				key := fmt.Sprintf("k%d", t.Rand.IntN(40))
				if want, ok := kv[key]; ok && t.Rand.IntN(2) == 0 {
					cfg.check(cfg.random(), key, want)
					continue
				}
				kv[key] = fmt.Sprintf("v%d-%d", step, t.Rand.IntN(1000))
				cfg.put(cfg.random(), key, kv[key])
			}
			ns := cfg.nodes()
			switch ev := t.Rand.IntN(3); {
			case ev == 0 || len(ns) <= cfg.conf.R+2:
				cfg.join(cfg.random())
			case ev == 1:
				cfg.leave(ns[t.Rand.IntN(len(ns))])
				cfg.waitRing(30 * time.Second) // as after kills: see below
			default:
				// A kill happens only on a stable, replicated ring: the
				// departures of the last events are repaired first, so
				// no R adjacent nodes are ever gone at once.
				cfg.waitRing(30 * time.Second)
				time.Sleep(2 * cfg.conf.StabilizeInterval)
				ns = cfg.nodes()
				first := ns[t.Rand.IntN(len(ns))]
				for k := range 1 + t.Rand.IntN(cfg.conf.R-1) {
					cfg.kill(after(ns, first, k))
				}
				// And the ring re-forms before the next event: a leave
				// of the node after the killed ones would otherwise take
				// the last live entry of a list (its predecessor, dead,
				// cannot be told).
				cfg.waitRing(30 * time.Second)
			}
		}
		cfg.waitRing(30 * time.Second)
		for _, k := range sortedKeys(kv) {
			for _, n := range cfg.nodes() {
				cfg.check(n, k, kv[k])
			}
		}
		cfg.checkOwners(kv)
		cfg.checkSingleOwners(kv)
	})
}
