package shardkv

import (
	"fmt"
	"math/rand/v2"
	"time"

	"distlabs/test/kvtest"
)

// thinkQuantum paces the test clients. On a reliable simulated network an
// operation may complete without virtual time moving, and clients that
// never block would keep the test's own sleeps from ever ending; whole
// quanta also make clients wake together, so their operations overlap.
const thinkQuantum = 5 * time.Millisecond

// think sleeps 1..n quanta, drawn from rng.
func think(rng *rand.Rand, n int) {
	time.Sleep(time.Duration(1+rng.IntN(n)) * thinkQuantum)
}

// appenders are clients that each append unique values
// (kvtest.AppendValue) to a key of their own until stopped, remembering
// what the key must hold.
type appenders struct {
	cfg  *config
	keys []string
	want []string // want[i]: key i's appends, written by client i until stop returns
	stop func()
}

// startAppenders puts "" to each key through setup and starts one
// appending client per key, pausing 1..pace quanta between appends. With
// readEvery > 0 a client reads its key back after every readEvery
// appends: it must hold exactly the client's own appends (a lost, doubled
// or stale write shows at once).
func (cfg *config) startAppenders(setup *client, keys []string, pace, readEvery int) *appenders {
	a := &appenders{cfg: cfg, keys: keys, want: make([]string, len(keys))}
	for _, k := range keys {
		setup.Put(k, "")
	}
	cs := make([]*client, len(keys))
	rngs := make([]*rand.Rand, len(keys))
	for i := range keys {
		cs[i], rngs[i] = cfg.newClient(), kvtest.ClientRand(cfg.t.Seed, i)
	}
	a.stop = kvtest.Clients(len(keys), func(i, j int) bool {
		v := kvtest.AppendValue(i, j)
		cs[i].Append(keys[i], v)
		if cfg.stopped() {
			return false
		}
		a.want[i] += v
		if readEvery > 0 && j%readEvery == readEvery-1 {
			if got := cs[i].Get(keys[i]); got != a.want[i] && !cfg.stopped() {
				cfg.t.Errorf("client %d: key %q reads %q, but holds exactly the client's own appends %q", i, keys[i], kvtest.Abbrev(got), kvtest.Abbrev(a.want[i]))
				return false
			}
		}
		think(rngs[i], pace)
		return true
	})
	return a
}

// finish stops the appenders and checks, through a fresh clerk, that every
// key holds exactly the appends its client made, each once, in order.
func (a *appenders) finish() {
	a.cfg.t.Helper()
	a.stop()
	c := a.cfg.newClient()
	for i, k := range a.keys {
		c.check(k, a.want[i])
	}
}

// An action is one step of a reconfiguration schedule.
type action func(cfg *config)

func join(gis ...int) action  { return func(cfg *config) { cfg.join(gis...) } }
func leave(gis ...int) action { return func(cfg *config) { cfg.leave(gis...) } }
func pause(d time.Duration) action {
	return func(*config) { time.Sleep(d) }
}
func crashGroup(gi int) action { return func(cfg *config) { cfg.ShutdownGroup(gi) } }
func startGroup(gi int) action { return func(cfg *config) { cfg.StartGroup(gi) } }

// play runs the actions in order.
func (cfg *config) play(schedule []action) {
	for _, act := range schedule {
		act(cfg)
	}
}

// runSchedule runs appenders on nkeys keys while the schedule plays, then
// checks every key and the logs' size.
func runSchedule(cfg *config, setup *client, nkeys int, schedule []action) {
	cfg.t.Helper()
	cfg.join(0)
	a := cfg.startAppenders(setup, keysAllShards(nkeys), 6, 0)
	cfg.play(schedule)
	a.finish()
	cfg.checkLogs()
}

// startWithData joins group 0 alone and writes a distinct value to each of
// nkeys keys (spread over all shards); it returns the keys and values.
func (c *client) startWithData(nkeys int, tag string) ([]string, []string) {
	c.cfg.join(0)
	keys := keysAllShards(nkeys)
	return keys, c.putAll(keys, tag)
}

// putAll writes a distinct value to each key and returns the values.
func (c *client) putAll(keys []string, tag string) []string {
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = fmt.Sprintf("%s.%d", tag, i)
		c.Put(k, vals[i])
	}
	return vals
}

// checkAll reads every key and compares it with vals.
func (c *client) checkAll(keys, vals []string) {
	c.cfg.t.Helper()
	for i, k := range keys {
		c.check(k, vals[i])
	}
}

// appendAll appends a fresh piece to every key and updates vals.
func (c *client) appendAll(keys, vals []string, tag string) {
	for i, k := range keys {
		piece := fmt.Sprintf("+%s.%d", tag, i)
		c.Append(k, piece)
		vals[i] += piece
	}
}
