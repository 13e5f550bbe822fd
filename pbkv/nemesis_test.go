package pbkv

// A randomized nemesis for part B: clients keep writing and reading while
// the nemesis crashes and restarts servers, cuts the view service off from
// one server (so it declares a live server dead: the split-brain case) and
// makes the network lossy, for a long virtual period. Safety is checked
// continuously and at the end:
//
//   - each client appends to a key of its own and reads it back after every
//     Append: the value must be exactly its acknowledged appends, in order
//     (no lost write, no write applied twice, no stale read);
//   - all clients also Put and Get shared keys, and the whole history must
//     be linearizable (porcupine, at the end).
//
// The nemesis keeps one copy of the data alive (it crashes a server only
// when the view has had a primary and a backup for a while), since losing
// every copy stops the service by design. Pings are never lost (see
// config), so the view service declares a live server dead only when the
// nemesis cuts it off. Liveness is checked once it
// stops: with the network whole, every key must read back within a bound.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 40 * time.Second

// nemesisClients is the number of clients the nemesis runs against.
const nemesisClients = 3

// firstError keeps the first failure the clients report: they run on
// goroutines of their own, where the test may not fail.
type firstError struct {
	mu  sync.Mutex
	err string
}

// failf records a failure unless one came first.
func (f *firstError) failf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == "" {
		f.err = fmt.Sprintf(format, args...)
	}
}

// get returns the failure recorded, or "".
func (f *firstError) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func TestNemesisB(t *testing.T) {
	run(t, "Test (B): randomized nemesis: crashes, restarts, view service cut off, lossy links", func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.start("s3")
		var failure firstError
		// acked[c] is what client c's own key holds as far as it knows:
		// its acknowledged appends.
		acked := make([]strings.Builder, nemesisClients)
		rands := make([]*rand.Rand, nemesisClients)
		for c := range rands {
			rands[c] = kvtest.ClientRand(t.Seed, c)
		}
		stop := cfg.writers(nemesisClients, func(ck *Clerk, c, i int) {
			own := fmt.Sprintf("own%d", c)
			cfg.h.Append(ck, c, own, kvtest.AppendValue(c, i))
			if ck.stopped.Load() {
				return
			}
			acked[c].WriteString(kvtest.AppendValue(c, i))
			if got := cfg.h.Get(ck, c, own); got != acked[c].String() && !ck.stopped.Load() {
				failure.failf("client %d read %q from its own key after its append #%d; its acknowledged appends are %q", c, kvtest.Abbrev(got), i, kvtest.Abbrev(acked[c].String()))
			}
			shared := fmt.Sprintf("shared%d", rands[c].IntN(2))
			if rands[c].IntN(2) == 0 {
				cfg.h.Put(ck, c, shared, kvtest.AppendValue(c, i))
			} else {
				cfg.h.Get(ck, c, shared)
			}
			time.Sleep(clientPause)
		})

		deadline := time.Now().Add(nemesisDuration)
		faults := 0
		for time.Now().Before(deadline) && failure.get() == "" {
			time.Sleep(time.Duration(200+t.Rand.IntN(800)) * time.Millisecond)
			switch t.Rand.IntN(3) {
			case 0: // crash a server, restart it later
				cfg.waitStable(30 * time.Second)
				victim := server(1 + t.Rand.IntN(3))
				cfg.crash(victim)
				time.Sleep(time.Duration(300+t.Rand.IntN(2000)) * time.Millisecond)
				cfg.start(victim)
			case 1: // cut the view service off from one server for a while
				cfg.waitStable(30 * time.Second)
				victim := server(1 + t.Rand.IntN(3))
				cfg.setCut(victim, vshost, true)
				time.Sleep(time.Duration(200+t.Rand.IntN(1500)) * time.Millisecond)
				cfg.setCut(victim, vshost, false)
			case 2:
				cfg.setReliable(t.Rand.IntN(2) == 0)
			}
			faults++
		}
		cfg.setReliable(true)
		select {
		case <-kvtest.Async(stop):
		case <-time.After(30 * time.Second):
			t.Fatalf("clients still stuck 30 s after the nemesis stopped (%d faults)", faults)
		}
		if f := failure.get(); f != "" {
			t.Fatalf("after %d faults: %s", faults, f)
		}
		ck := cfg.makeClerk("final")
		for c := range nemesisClients {
			cfg.h.Expect(ck, nemesisClients, fmt.Sprintf("own%d", c), acked[c].String())
		}
		t.Logf("%d faults, %d operations", faults, cfg.net.Ops())
	})
}
