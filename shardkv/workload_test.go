package shardkv

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// thinkQuantum paces the test clients. On a reliable simulated network an
// operation may complete without virtual time moving, and clients that
// never block would keep the test's own sleeps from ever ending; whole
// quanta also make clients wake together, so their operations overlap.
const thinkQuantum = 5 * time.Millisecond

// appenders are clients that each append unique values to a key of their
// own until stopped, remembering what the key must hold.
type appenders struct {
	cfg  *config
	keys []string
	want []string
	stop atomic.Bool
	wg   sync.WaitGroup
}

// startAppenders puts "" to each key (through one clerk) and starts one
// appending client per key.
func (cfg *config) startAppenders(keys []string) *appenders {
	a := &appenders{cfg: cfg, keys: keys, want: make([]string, len(keys))}
	setup := cfg.newClient()
	for _, k := range keys {
		setup.Put(k, "")
	}
	for i, k := range keys {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			c := cfg.newClient()
			rng := cfg.clientRand(i)
			for j := 0; !a.stop.Load(); j++ {
				v := fmt.Sprintf("[%d.%d]", i, j)
				c.Append(k, v)
				if cfg.stopped() {
					return
				}
				a.want[i] += v
				time.Sleep(time.Duration(1+rng.IntN(6)) * thinkQuantum)
			}
		}()
	}
	return a
}

// finish stops the appenders and checks, through a fresh clerk, that every
// key holds exactly the appends its client made, each once, in order.
func (a *appenders) finish() {
	a.cfg.t.Helper()
	a.stop.Store(true)
	a.wg.Wait()
	c := a.cfg.newClient()
	for i, k := range a.keys {
		c.check(k, a.want[i])
	}
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
