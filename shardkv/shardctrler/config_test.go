package shardctrler

import (
	"fmt"
	"sync"
	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
)

// config is one test's controller cluster: n servers on a simulated
// network and the persisters that survive a crash.
type config struct {
	t   *labtest.T
	net *labrpc.Network
	n   int

	mu       sync.Mutex
	servers  []*ShardCtrler
	saved    []*raft.Persister
	endnames [][]string // endnames[i][j]: server i's end to server j, this incarnation
	names    int        // keeps end names unique and deterministic
}

// startServer starts replica i and returns it with the consensus peer
// (Raft) that its labrpc server carries beside it. A reference-only test
// file replaces it to run the replicas on Paxos (-consensus=paxos).
var startServer = func(ends []*labrpc.ClientEnd, i int, p *raft.Persister) (*ShardCtrler, interface{}) {
	sc := StartServer(ends, i, p)
	return sc, sc.Raft()
}

// needsRestart marks a test that restarts servers from their persisted
// state or asks Raft who leads. It does nothing here; the reference-only
// Paxos harness makes it skip the test, since Paxos replicas (as in the
// 2015 lab) persist nothing and have no leader.
var needsRestart = func(*testing.T) {}

// persists reports whether the replicas persist Raft state; the Paxos
// harness says no.
var persists = func() bool { return true }

// makeConfig starts n connected controller servers on a fresh network.
func makeConfig(t *labtest.T, n int, unreliable bool) *config {
	cfg := &config{
		t:        t,
		net:      labrpc.MakeNetwork(),
		n:        n,
		servers:  make([]*ShardCtrler, n),
		saved:    make([]*raft.Persister, n),
		endnames: make([][]string, n),
	}
	cfg.net.Reliable(!unreliable)
	for i := range n {
		cfg.StartServer(i)
	}
	cfg.ConnectAll()
	t.Cleanup(cfg.cleanup)
	return cfg
}

// cleanup stops every server and the network, so that nothing outlives the
// test. Clerks have nothing to stop: once the test's clients have returned,
// a 6.824 Clerk runs no goroutine (a request still retrying, only when the
// test has failed already, is parked with the bubble).
func (cfg *config) cleanup() {
	cfg.mu.Lock()
	servers := append([]*ShardCtrler(nil), cfg.servers...)
	cfg.mu.Unlock()
	for _, sc := range servers {
		if sc != nil {
			sc.Kill()
		}
	}
	cfg.net.Cleanup()
}

func (cfg *config) newNameLocked(kind string) string {
	cfg.names++
	return fmt.Sprintf("%s-%d", kind, cfg.names)
}

// ConnectAll connects every live server to every other.
func (cfg *config) ConnectAll() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := range cfg.n {
		for j := range cfg.n {
			if cfg.endnames[i] != nil {
				cfg.net.Enable(cfg.endnames[i][j], true)
			}
		}
	}
}

// makeClient returns a Clerk connected to every server.
func (cfg *config) makeClient() *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	names := make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range cfg.n {
		names[j] = cfg.newNameLocked(fmt.Sprintf("clerk-to-%d", j))
		ends[j] = cfg.net.MakeEnd(names[j])
		cfg.net.Connect(names[j], j)
		cfg.net.Enable(names[j], true)
	}
	cfg.t.Rand.Shuffle(len(ends), func(a, b int) { ends[a], ends[b] = ends[b], ends[a] })
	return MakeClerk(ends)
}

// ShutdownServer crashes server i: cut off, removed from the network,
// killed, with its persister copied first so that anything the dying
// instance still writes cannot reach the state a restart reads.
func (cfg *config) ShutdownServer(i int) {
	cfg.mu.Lock()
	for j := range cfg.n {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], false)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], false)
		}
	}
	cfg.net.DeleteServer(i)
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	sc := cfg.servers[i]
	cfg.servers[i] = nil
	cfg.mu.Unlock()
	if sc != nil {
		sc.Kill()
	}
}

// StartServer starts (or restarts) server i with fresh ends and a copy of
// its persisted state; call ConnectAll to connect it.
func (cfg *config) StartServer(i int) {
	cfg.mu.Lock()
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := range cfg.n {
		cfg.endnames[i][j] = cfg.newNameLocked(fmt.Sprintf("ctrler%d-to-%d", i, j))
		ends[j] = cfg.net.MakeEnd(cfg.endnames[i][j])
		cfg.net.Connect(cfg.endnames[i][j], j)
	}
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	} else {
		cfg.saved[i] = raft.MakePersister()
	}
	persister := cfg.saved[i]
	cfg.mu.Unlock()

	sc, peer := startServer(ends, i, persister)

	cfg.mu.Lock()
	cfg.servers[i] = sc
	cfg.mu.Unlock()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(sc))
	srv.AddService(labrpc.MakeService(peer))
	cfg.net.AddServer(i, srv)
}

// Leader returns a live server that believes it leads, if any.
func (cfg *config) Leader() (bool, int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i, sc := range cfg.servers {
		if sc == nil {
			continue
		}
		if _, isLeader := sc.Raft().GetState(); isLeader {
			return true, i
		}
	}
	return false, 0
}

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) { cfg.t.Begin(desc) }

// raftStateSize returns the largest Raft state among the controllers'
// persisters.
func (cfg *config) raftStateSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	most := 0
	for _, p := range cfg.saved {
		if p != nil {
			most = max(most, p.RaftStateSize())
		}
	}
	return most
}

// end prints the phase's "Passed" line.
func (cfg *config) end(ops int) {
	cfg.t.Passed(cfg.n, cfg.net.GetTotalCount(), cfg.net.GetTotalBytes(), ops)
}
