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
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 40 * time.Second

func TestNemesisB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): randomized nemesis: crashes, restarts, view service cut off, lossy links")
		pair(cfg)
		cfg.start("s3")
		const nclients = 3
		var mu sync.Mutex
		var failure string
		fail := func(format string, args ...interface{}) {
			mu.Lock()
			defer mu.Unlock()
			if failure == "" {
				failure = fmt.Sprintf(format, args...)
			}
		}
		failed := func() string {
			mu.Lock()
			defer mu.Unlock()
			return failure
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		want := make([]string, nclients) // each client's own key, as acknowledged
		for c := range nclients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ck := cfg.makeClerk(fmt.Sprintf("c%d", c))
				own := fmt.Sprintf("own%d", c)
				r := cfg.clientRand(c)
				var acked strings.Builder
				for i := 0; ; i++ {
					select {
					case <-stop:
						mu.Lock()
						want[c] = acked.String()
						mu.Unlock()
						return
					default:
					}
					cfg.Append(ck, c, own, appendValue(c, i))
					if ck.stopped.Load() {
						return
					}
					acked.WriteString(appendValue(c, i))
					if got := cfg.Get(ck, c, own); got != acked.String() && !ck.stopped.Load() {
						fail("client %d read %q from its own key after its append #%d; its acknowledged appends are %q", c, abbrev(got), i, abbrev(acked.String()))
					}
					shared := fmt.Sprintf("shared%d", r.IntN(2))
					if r.IntN(2) == 0 {
						cfg.Put(ck, c, shared, appendValue(c, i))
					} else {
						cfg.Get(ck, c, shared)
					}
					time.Sleep(clientPause)
				}
			}()
		}

		deadline := time.Now().Add(nemesisDuration)
		faults := 0
		for time.Now().Before(deadline) && failed() == "" {
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
		close(stop)
		finished := async(wg.Wait)
		select {
		case <-finished:
		case <-time.After(30 * time.Second):
			t.Fatalf("clients still stuck 30 s after the nemesis stopped (%d faults)", faults)
		}
		if f := failed(); f != "" {
			t.Fatalf("after %d faults: %s", faults, f)
		}
		ck := cfg.makeClerk("final")
		for c := range nclients {
			cfg.check(ck, nclients, fmt.Sprintf("own%d", c), want[c])
		}
		t.Logf("%d faults, %d operations", faults, cfg.ops.Load())
		cfg.end()
	})
}
