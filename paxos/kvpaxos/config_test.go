package kvpaxos

// The cluster harness of part B: n servers in a tester.Group on a
// tester.Net seeded from the test's seed, clerks attached to chosen servers
// (tester clients: never partitioned), partitions, unreliable links and
// Kill. Every client operation goes through a kvtest.History for the
// porcupine check at the end, and a safety checker (kvtest.Decisions)
// watches the servers' Paxos peers throughout: no two servers ever report
// different decided operations for one instance, and a server never changes
// what it reported. (Validity, that a decided operation was issued by a
// client, shows in the values clients read and is checked by porcupine.)

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/paxos"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

// watchInterval is how often the safety checker polls every server.
const watchInterval = 50 * ms

type config struct {
	t   *labtest.T
	net *tester.Net
	g   *tester.Group[*KVPaxos]
	n   int
	// h records the clients' operations. The 2015 Clerk retries until a
	// server answers and cannot be stopped, so an operation still running
	// at cleanup is abandoned (Options.Abandon).
	h   *kvtest.History
	dec *kvtest.Decisions

	stopWatch func() // stops the safety checker's polling

	mu      sync.Mutex
	checked int // every instance below is decided or forgotten on every live server
}

// makeConfig starts n connected servers and the safety checker.
func makeConfig(t *labtest.T, n int, unreliable bool) *config {
	net := tester.NewNet(t, !unreliable)
	cfg := &config{
		t:   t,
		net: net,
		g: tester.NewGroup(net, tester.Spec[*KVPaxos]{
			Name: "kv",
			N:    n,
			Start: func(i int, ends []*labrpc.ClientEnd) (*KVPaxos, []any) {
				kv := StartServer(ends, i)
				return kv, []any{kv, kv.px}
			},
			Kill: killServer,
		}),
		n:   n,
		h:   kvtest.NewHistory(t, net, kvtest.Options{Abandon: true}),
		dec: kvtest.NewDecisions(false),
	}
	cfg.g.StartAll()
	cfg.stopWatch = kvtest.Watch(watchInterval, cfg.sweep)
	return cfg
}

// run is the frame of a test: a cluster of n servers, begun with desc and
// cleaned up (history and safety checked) when body returns.
func run(t *testing.T, n int, unreliable bool, desc string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, n, unreliable)
		defer cfg.cleanup()
		cfg.net.Begin("Test (B): " + desc)
		body(t, cfg)
	})
}

// cleanup stops the test's clients, the servers and the network, then
// checks safety and the history.
func (cfg *config) cleanup() {
	cfg.h.Stop()
	cfg.stopWatch()
	cfg.sweep()
	cfg.g.Shutdown()
	cfg.net.Cleanup()
	if err := cfg.dec.Err(); err != "" && !cfg.t.Failed() {
		cfg.t.Error(err)
	}
	if !cfg.t.Failed() {
		cfg.h.Check()
	}
}

// end checks safety and prints the pass line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.sweep()
	if err := cfg.dec.Err(); err != "" {
		cfg.t.Fatal(err)
	}
	cfg.net.Passed(cfg.n)
}

// server returns server i, or nil once it was killed.
func (cfg *config) server(i int) *KVPaxos {
	kv, _ := cfg.g.Server(i)
	return kv
}

// killServer kills kv by the name its code gives Kill: the 2015 skeleton
// called it kill (unexported, the tests being in the package), ours calls
// it Kill (a server with neither is never killed, and fails the Kill test).
func killServer(kv *KVPaxos) {
	switch kv := any(kv).(type) {
	case interface{ Kill() }:
		kv.Kill()
	case interface{ kill() }:
		kv.kill()
	}
}

// makeClerk returns a clerk that knows the given servers (all if none), in
// that order.
func (cfg *config) makeClerk(to ...int) *Clerk {
	_, ends := cfg.g.NewClient(to...)
	return MakeClerk(ends)
}

// clerksOn makes one clerk per server given, knowing only that server.
func (cfg *config) clerksOn(servers ...int) []*Clerk {
	cks := make([]*Clerk, len(servers))
	for k, i := range servers {
		cks[k] = cfg.makeClerk(i)
	}
	return cks
}

// sweep checks the instances from the first not yet settled up to every
// live server's Max.
func (cfg *config) sweep() {
	cfg.mu.Lock()
	from := cfg.checked
	cfg.mu.Unlock()
	var servers []*KVPaxos
	top := -1
	for i := 0; i < cfg.n; i++ {
		kv := cfg.server(i)
		servers = append(servers, kv)
		if kv != nil && kv.px.Max() > top { // not the builtin max, which a 2015 max would shadow
			top = kv.px.Max()
		}
	}
	settled := true
	for seq := from; seq <= top; seq++ {
		for i, kv := range servers {
			if kv == nil {
				continue
			}
			switch fate, v := kv.px.Status(seq); fate {
			case paxos.Decided:
				cfg.dec.Observe(i, seq, v)
			case paxos.Pending:
				settled = false
			}
		}
		if settled {
			cfg.mu.Lock()
			cfg.checked = seq + 1
			cfg.mu.Unlock()
		}
	}
}

// waitDone fails the test with failure unless done is closed within d.
func (cfg *config) waitDone(done <-chan struct{}, d time.Duration, failure string) {
	cfg.t.Helper()
	select {
	case <-done:
	case <-time.After(d):
		cfg.t.Fatal(failure)
	}
}

// background runs f in a goroutine and returns a channel closed when f
// returns.
func background(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() { f(); close(done) }()
	return done
}

// parallel runs f(0), ..., f(n-1) at once and waits for them all.
func parallel(n int, f func(c int)) {
	var wg sync.WaitGroup
	for c := 0; c < n; c++ {
		wg.Go(func() { f(c) })
	}
	wg.Wait()
}

// randomClerks makes one clerk per client: client c draws from its own
// source, kvtest.ClientRand(seed, first+c), first the servers its clerk
// knows (pick; nil: all of them in a random order), then whatever the
// test's client draws.
func (cfg *config) randomClerks(clients, first int, pick func(r *rand.Rand) []int) ([]*Clerk, []*rand.Rand) {
	if pick == nil {
		pick = func(r *rand.Rand) []int { return r.Perm(cfg.n) }
	}
	cks, rngs := make([]*Clerk, clients), make([]*rand.Rand, clients)
	for c := range cks {
		rngs[c] = kvtest.ClientRand(cfg.t.Seed, first+c)
		cks[c] = cfg.makeClerk(pick(rngs[c])...)
	}
	return cks, rngs
}
