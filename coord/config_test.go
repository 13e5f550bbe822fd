package coord

// The cluster harness every test in this package builds on: a group of
// Servers on the shared kits (distlabs/test/tester), sessions whose links
// the test controls, and a history of tree operations checked for
// linearizability with a znode-tree model (config_model_test.go).

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// config is one test's cluster: n Servers on a simulated network, the
// states they persisted, the sessions the test opened and the recorded
// history.
type config struct {
	t     *labtest.T
	net   *tester.Net
	g     *tester.Group[*Server]
	saved *tester.States[*raft.Persister]
	h     *history
	n     int

	mu     sync.Mutex
	clerks map[*Clerk]*tester.Client // a session's links
}

// makeConfig starts n servers, all connected, on a fresh network.
func makeConfig(t *labtest.T, n int, unreliable bool, maxraftstate int) *config {
	cfg := &config{
		t:      t,
		net:    tester.NewNet(t, !unreliable),
		saved:  tester.NewStates(n, raft.MakePersister),
		n:      n,
		clerks: map[*Clerk]*tester.Client{},
	}
	cfg.h = newHistory(cfg.net)
	cfg.g = tester.NewGroup(cfg.net, tester.Spec[*Server]{
		Name: "coord",
		N:    n,
		Start: func(i int, ends []*labrpc.ClientEnd) (*Server, []any) {
			s := StartServer(ends, i, cfg.saved.Restart(i), maxraftstate)
			return s, []any{s, s.rf}
		},
		Crashed: cfg.saved.Freeze,
	})
	cfg.g.StartAll()
	return cfg
}

// cluster runs a test's body on a fresh cluster of n servers, between
// begin (with title) and end (the linearizability check and the "Passed"
// line).
func cluster(t *testing.T, n int, unreliable bool, maxraftstate int, title string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, n, unreliable, maxraftstate)
		defer cfg.cleanup()
		cfg.begin(title)
		body(t, cfg)
		cfg.end()
	})
}

// cleanup stops the recording, ends every session the test left open
// (so that no heartbeat outlives the test), then stops the servers and
// the network.
func (cfg *config) cleanup() {
	cfg.h.stop()
	cfg.mu.Lock()
	var open []*Clerk
	for ck := range cfg.clerks {
		open = append(open, ck)
	}
	cfg.mu.Unlock()
	for _, ck := range open {
		cfg.link(ck).Cut() // Close gives up at once on a cut session
		ck.Close()
	}
	cfg.g.Shutdown()
	cfg.net.Cleanup()
}

// session opens a session whose links to the servers in to are up, with
// its ends in a random order (a Clerk must not assume server 0 leads).
func (cfg *config) session(to []int) *Clerk {
	return cfg.sessionTimeout(to, DefaultSessionTimeout)
}

// sessionTimeout is session with a session timeout of its own.
func (cfg *config) sessionTimeout(to []int, timeout time.Duration) *Clerk {
	order := cfg.g.All()
	cfg.t.Rand.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	c, ends := cfg.g.NewClient(order...)
	c.Only(to...)
	ck := MakeClerkTimeout(ends, timeout)
	cfg.mu.Lock()
	cfg.clerks[ck] = c
	cfg.mu.Unlock()
	return ck
}

// link returns ck's links.
func (cfg *config) link(ck *Clerk) *tester.Client {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.clerks[ck]
}

// leader returns a server that believes it leads, if any.
func (cfg *config) leader() (int, bool) {
	return cfg.g.Leader(func(s *Server) bool {
		_, isLeader := s.rf.GetState()
		return isLeader
	})
}

// restartAll crashes every server and restarts it from what it
// persisted, all connected.
func (cfg *config) restartAll() {
	for _, i := range cfg.g.All() {
		cfg.g.Crash(i)
	}
	for _, i := range cfg.g.All() {
		cfg.g.Start(i)
	}
	cfg.g.ConnectAll()
}

// startDown restarts every server that is down (not yet connected).
func (cfg *config) startDown() {
	for _, i := range cfg.g.All() {
		if _, up := cfg.g.Server(i); !up {
			cfg.g.Start(i)
		}
	}
}

// logSize returns the largest Raft state among the servers' persisters.
func (cfg *config) logSize() int { return cfg.saved.Max((*raft.Persister).RaftStateSize) }

// snapshotSize returns the largest snapshot among the servers' persisters.
func (cfg *config) snapshotSize() int { return cfg.saved.Max((*raft.Persister).SnapshotSize) }

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) { cfg.net.Begin(desc) }

// end checks the recorded history for linearizability and prints the
// phase's "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.h.check(cfg.t)
	cfg.net.Passed(cfg.n)
}

// must fails the test if err is not nil.
func must(t *labtest.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// mustErr fails the test unless err is want.
func mustErr(t *labtest.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// mustData fails the test unless path holds data.
func mustData(t *labtest.T, ck Conn, path, data string) *Stat {
	t.Helper()
	got, st, err := ck.Get(path)
	must(t, "Get "+path, err)
	if string(got) != data {
		t.Fatalf("Get %s = %q, want %q", path, got, data)
	}
	return st
}

// mustChildren fails the test unless path's children are want.
func mustChildren(t *labtest.T, ck Conn, path string, want ...string) {
	t.Helper()
	got, _, err := ck.Children(path)
	must(t, "Children "+path, err)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Children %s = %v, want %v", path, got, want)
	}
}

// waitEvent waits up to d for a watch's one event.
func waitEvent(t *labtest.T, ch <-chan Event, d time.Duration, what string) Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(d):
		t.Fatalf("%s: no watch event within %v", what, d)
	}
	return Event{}
}

// noEvent fails the test if ch delivers within d.
func noEvent(t *labtest.T, ch <-chan Event, d time.Duration, what string) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("%s: unexpected watch event %+v", what, ev)
	case <-time.After(d):
	}
}
