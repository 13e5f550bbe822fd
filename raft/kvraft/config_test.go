package kvraft

// The cluster harness every test in this package builds on: the 6.824
// config on the shared kits, distlabs/test/tester (network, group of
// KVServers, persisted states, clerks' links) and distlabs/test/kvtest
// (recorded operations, porcupine).

import (
	"sync"
	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// config is one test's cluster: n KVServers on a simulated network, the
// states they persisted, the clerks the test made, and the history of
// client operations checked for linearizability at the end.
type config struct {
	t            *labtest.T
	net          *tester.Net
	g            *tester.Group[*KVServer]
	saved        *tester.States[*raft.Persister]
	h            *kvtest.History
	n            int
	maxraftstate int

	mu     sync.Mutex
	clerks map[*Clerk]*tester.Client // a clerk's links
}

// makeConfig starts n servers, all connected, on a fresh network.
func makeConfig(t *labtest.T, n int, unreliable bool, maxraftstate int) *config {
	cfg := &config{
		t:            t,
		net:          tester.NewNet(t, !unreliable),
		saved:        tester.NewStates(n, raft.MakePersister),
		n:            n,
		maxraftstate: maxraftstate,
		clerks:       map[*Clerk]*tester.Client{},
	}
	// Only the 6.824 Clerk API is used, which has no way to stop a request
	// in progress: one still running at cleanup (only when the test already
	// failed) retries until the harness parks it, unrecorded.
	cfg.h = kvtest.NewHistory(t, cfg.net, kvtest.Options{})
	cfg.g = tester.NewGroup(cfg.net, tester.Spec[*KVServer]{
		Name: "kv",
		N:    n,
		Start: func(i int, ends []*labrpc.ClientEnd) (*KVServer, []any) {
			kv := StartKVServer(ends, i, cfg.saved.Restart(i), maxraftstate)
			return kv, []any{kv, kv.rf}
		},
		Crashed: cfg.saved.Freeze,
	})
	cfg.g.StartAll()
	return cfg
}

// cluster runs a test's body on a fresh cluster of n servers, between begin
// (with title) and end (the linearizability check and the "Passed" line).
func cluster(t *testing.T, n int, unreliable bool, maxraftstate int, title string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, n, unreliable, maxraftstate)
		defer cfg.cleanup()
		cfg.begin(title)
		body(t, cfg)
		cfg.end()
	})
}

// cleanup stops the clients' recording, every server and the network, so
// that no goroutine outlives the test (the harness checks). Clerks have
// nothing to stop: once the test's clients have returned, a 6.824 Clerk
// runs no goroutine.
func (cfg *config) cleanup() {
	cfg.h.Stop()
	cfg.g.Shutdown()
	cfg.net.Cleanup()
}

// makeClient returns a Clerk whose links to the servers in to are up, with
// its ends in a random order (a Clerk must not assume server 0 is special).
func (cfg *config) makeClient(to []int) *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	order := cfg.g.All()
	cfg.t.Rand.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	c, ends := cfg.g.NewClient(order...)
	c.Only(to...)
	ck := MakeClerk(ends)
	cfg.clerks[ck] = c
	return ck
}

// link returns ck's links.
func (cfg *config) link(ck *Clerk) *tester.Client {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.clerks[ck]
}

// deleteClient cuts off a clerk the test no longer needs.
func (cfg *config) deleteClient(ck *Clerk) {
	cfg.link(ck).Cut()
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	delete(cfg.clerks, ck)
}

// connectClient leaves up only ck's links to the servers in to.
func (cfg *config) connectClient(ck *Clerk, to []int) { cfg.link(ck).Only(to...) }

// cutClient cuts every link of ck, so that replies to requests in flight
// are lost.
func (cfg *config) cutClient(ck *Clerk) { cfg.link(ck).Cut() }

// leader returns a server that believes it is leader, if any.
func (cfg *config) leader() (int, bool) {
	return cfg.g.Leader(func(kv *KVServer) bool {
		_, isLeader := kv.rf.GetState()
		return isLeader
	})
}

// makePartition splits the servers into a majority and a minority that
// holds the current leader (if any), forcing the majority to elect anew.
func (cfg *config) makePartition() ([]int, []int) {
	l, ok := cfg.leader()
	if !ok {
		l = 0
	}
	p1 := make([]int, 0, cfg.n/2+1)
	p2 := make([]int, 0, cfg.n/2)
	for i := 0; i < cfg.n; i++ {
		if i == l {
			continue
		}
		if len(p1) < cfg.n/2+1 {
			p1 = append(p1, i)
		} else {
			p2 = append(p2, i)
		}
	}
	p2 = append(p2, l)
	return p1, p2
}

// logSize returns the largest Raft state among the servers' persisters.
func (cfg *config) logSize() int { return cfg.saved.Max((*raft.Persister).RaftStateSize) }

// snapshotSize returns the largest snapshot among the servers' persisters.
func (cfg *config) snapshotSize() int { return cfg.saved.Max((*raft.Persister).SnapshotSize) }

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) { cfg.net.Begin(desc) }

// end checks the history recorded so far for linearizability and prints the
// phase's "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.h.Check()
	cfg.net.Passed(cfg.n)
}
