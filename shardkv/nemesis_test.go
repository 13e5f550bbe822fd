package shardkv

import (
	"slices"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// TestNemesis4B reconfigures continuously (random Joins and Leaves) over a
// lossy network while a nemesis crashes, restarts and isolates servers of
// every group; at most one server per group is down or cut off at a time,
// so every group keeps a majority. Safety is checked all along: each
// client owns a key and reads it back after every few appends, which must
// show exactly its own appends (a lost, doubled or stale write shows at
// once), and porcupine checks the whole history at the end. Liveness is
// checked after the heal: with every server back and every group joined,
// each key must take an append within 30 s.
func TestNemesis4B(t *testing.T) {
	run(t, setup{unreliable: true, maxraftstate: 500, restarts: true}, "Test (4B): nemesis: reconfiguration with crashes, restarts and partitions", func(t *labtest.T, cfg *config, c *client) {
		cfg.join(0, 1)
		joined := []int{0, 1}

		const nclients = 6
		keys := keysAllShards(nclients)
		a := cfg.startAppenders(c, keys, 8, 4)

		rng := kvtest.ClientRand(t.Seed, 1000)
		// trouble[gi] is the server of group gi that is down or isolated,
		// or -1.
		trouble := []int{-1, -1, -1}
		for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline) && !t.Failed(); {
			time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
			gi := rng.IntN(ngroups)
			switch r := rng.IntN(10); {
			case r < 3: // reconfigure
				if out := gisExcept(joined...); len(out) > 0 && (len(joined) == 1 || rng.IntN(2) == 0) {
					g := out[rng.IntN(len(out))]
					cfg.join(g)
					joined = append(joined, g)
				} else {
					g := joined[rng.IntN(len(joined))]
					cfg.leave(g)
					joined = slices.DeleteFunc(joined, func(x int) bool { return x == g })
				}
			case trouble[gi] >= 0: // repair the group's trouble
				if !cfg.alive(gi, trouble[gi]) {
					cfg.StartServer(gi, trouble[gi])
				}
				cfg.healGroup(gi)
				trouble[gi] = -1
			case r < 7:
				trouble[gi] = rng.IntN(nper)
				cfg.ShutdownServer(gi, trouble[gi])
			default:
				trouble[gi] = rng.IntN(nper)
				cfg.isolate(gi, trouble[gi])
			}
		}

		// Heal: everything up and connected, every group in.
		for gi := range ngroups {
			for i := range nper {
				if !cfg.alive(gi, i) {
					cfg.StartServer(gi, i)
				}
			}
			cfg.healGroup(gi)
		}
		if out := gisExcept(joined...); len(out) > 0 {
			cfg.join(out...)
		}
		a.stop()
		if t.Failed() {
			return
		}

		// Liveness: every key takes an append within 30 s.
		done := make(chan int, nclients)
		for i := range nclients {
			go func() {
				c := cfg.newClient()
				c.Append(keys[i], "[end]")
				if c.Get(keys[i]) == a.want[i]+"[end]" {
					done <- i
				}
			}()
		}
		// Generous: the groups may first have to work through a backlog of
		// configurations over the lossy network.
		timeout := time.After(30 * time.Second)
		for range nclients {
			select {
			case <-done:
			case <-timeout:
				t.Fatalf("after healing, not every key could be appended to and read back within 30 s")
			}
		}
		cfg.checkLogs()
	})
}
