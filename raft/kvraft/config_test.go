package kvraft

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
)

// config is one test's cluster: n KVServers on a simulated network, the
// clerks the test made, the persisters that survive crashes, and the
// history of client operations checked for linearizability at the end.
type config struct {
	t            *labtest.T
	net          *labrpc.Network
	n            int
	maxraftstate int
	hist         *history

	mu        sync.Mutex
	kvservers []*KVServer
	saved     []*raft.Persister
	endnames  [][]string          // endnames[i][j]: server i's end to server j, this incarnation
	clerks    map[*Clerk][]string // a clerk's end names, indexed by server
	names     int                 // counter that keeps end names unique (and deterministic)

	ops   atomic.Int32 // client operations performed since begin
	rpcs0 int          // RPC count at begin
	// ending is set when cleanup starts. Only the 6.824 Clerk API is used,
	// which has no way to stop a request in progress: one still running then
	// (only when the test already failed) retries until the harness parks it,
	// and its result is not recorded.
	ending atomic.Bool
}

// makeConfig starts n servers, all connected, on a fresh network.
func makeConfig(t *labtest.T, n int, unreliable bool, maxraftstate int) *config {
	cfg := &config{
		t:            t,
		net:          labrpc.MakeNetwork(),
		n:            n,
		maxraftstate: maxraftstate,
		hist:         newHistory(),
		kvservers:    make([]*KVServer, n),
		saved:        make([]*raft.Persister, n),
		endnames:     make([][]string, n),
		clerks:       make(map[*Clerk][]string),
	}
	cfg.net.Reliable(!unreliable)
	for i := 0; i < n; i++ {
		cfg.StartServer(i)
	}
	cfg.ConnectAll()
	return cfg
}

// cleanup stops every server and the network, so that no goroutine
// outlives the test (the harness checks). Clerks have nothing to stop: once
// the test's clients have returned, a 6.824 Clerk runs no goroutine.
func (cfg *config) cleanup() {
	cfg.ending.Store(true)
	cfg.mu.Lock()
	servers := append([]*KVServer(nil), cfg.kvservers...)
	cfg.mu.Unlock()
	for _, kv := range servers {
		if kv != nil {
			kv.Kill()
		}
	}
	cfg.net.Cleanup()
}

// newNameLocked returns a fresh end name; names are deterministic so that the
// seeded fault schedule of each link is reproducible.
func (cfg *config) newNameLocked(kind string) string {
	cfg.names++
	return fmt.Sprintf("%s-%d", kind, cfg.names)
}

// All returns the indices of all servers.
func (cfg *config) All() []int {
	all := make([]int, cfg.n)
	for i := range all {
		all[i] = i
	}
	return all
}

// connectLocked enables the links between server i and the servers in to,
// both directions.
func (cfg *config) connectLocked(i int, to []int) {
	for _, j := range to {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], true)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], true)
		}
	}
}

// disconnectLocked disables the links between server i and the servers in
// from, both directions.
func (cfg *config) disconnectLocked(i int, from []int) {
	for _, j := range from {
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], false)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], false)
		}
	}
}

// ConnectAll connects every server to every other.
func (cfg *config) ConnectAll() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := 0; i < cfg.n; i++ {
		cfg.connectLocked(i, cfg.All())
	}
}

// partition connects servers only within their group. Groups must cover
// every server; clerks are not affected.
func (cfg *config) partition(groups ...[]int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for gi, g := range groups {
		for _, i := range g {
			cfg.connectLocked(i, g)
			for gj, other := range groups {
				if gj != gi {
					cfg.disconnectLocked(i, other)
				}
			}
		}
	}
}

// makeClient returns a Clerk connected to the servers in to, with its ends
// in a random order (a Clerk must not assume server 0 is special).
func (cfg *config) makeClient(to []int) *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	names := make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := 0; j < cfg.n; j++ {
		names[j] = cfg.newNameLocked(fmt.Sprintf("clerk-to-%d", j))
		ends[j] = cfg.net.MakeEnd(names[j])
		cfg.net.Connect(names[j], j)
	}
	cfg.t.Rand.Shuffle(len(ends), func(a, b int) { ends[a], ends[b] = ends[b], ends[a] })
	ck := MakeClerk(ends)
	cfg.clerks[ck] = names
	cfg.connectClientLocked(ck, to)
	return ck
}

// deleteClient stops a clerk the test no longer needs.
func (cfg *config) deleteClient(ck *Clerk) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for _, name := range cfg.clerks[ck] {
		cfg.net.Enable(name, false)
	}
	delete(cfg.clerks, ck)
}

func (cfg *config) connectClientLocked(ck *Clerk, to []int) {
	for _, j := range to {
		cfg.net.Enable(cfg.clerks[ck][j], true)
	}
}

// ConnectClient enables a clerk's links to the servers in to.
func (cfg *config) ConnectClient(ck *Clerk, to []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connectClientLocked(ck, to)
}

// ShutdownServer crashes server i: it is cut off, removed from the network,
// and killed. Its persister is copied first, so that anything the dying
// instance still writes cannot reach the state a restart will read.
func (cfg *config) ShutdownServer(i int) {
	cfg.mu.Lock()
	cfg.disconnectLocked(i, cfg.All())
	cfg.net.DeleteServer(i)
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	kv := cfg.kvservers[i]
	cfg.kvservers[i] = nil
	cfg.mu.Unlock()
	if kv != nil {
		kv.Kill()
	}
}

// StartServer starts (or restarts) server i with fresh ends and a copy of
// its persisted state. It is not connected to anyone: call ConnectAll or
// partition.
func (cfg *config) StartServer(i int) {
	cfg.mu.Lock()
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := 0; j < cfg.n; j++ {
		cfg.endnames[i][j] = cfg.newNameLocked(fmt.Sprintf("srv%d-to-%d", i, j))
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

	kv := StartKVServer(ends, i, persister, cfg.maxraftstate)

	cfg.mu.Lock()
	cfg.kvservers[i] = kv
	cfg.mu.Unlock()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(kv))
	srv.AddService(labrpc.MakeService(kv.rf))
	cfg.net.AddServer(i, srv)
}

// Leader returns a server that believes it is leader, if any.
func (cfg *config) Leader() (bool, int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i, kv := range cfg.kvservers {
		if kv == nil {
			continue
		}
		if _, isLeader := kv.rf.GetState(); isLeader {
			return true, i
		}
	}
	return false, 0
}

// makePartition splits the servers into a majority and a minority that
// holds the current leader (if any), forcing the majority to elect anew.
func (cfg *config) makePartition() ([]int, []int) {
	_, l := cfg.Leader()
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

// LogSize returns the largest Raft state among the servers' persisters.
func (cfg *config) LogSize() int {
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

// SnapshotSize returns the largest snapshot among the servers' persisters.
func (cfg *config) SnapshotSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	most := 0
	for _, p := range cfg.saved {
		if p != nil {
			most = max(most, p.SnapshotSize())
		}
	}
	return most
}

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
	cfg.rpcs0 = cfg.net.GetTotalCount()
	cfg.ops.Store(0)
}

// end checks the history recorded so far for linearizability and prints the
// phase's "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.hist.check(cfg.t)
	cfg.t.Passed(cfg.n, cfg.net.GetTotalCount()-cfg.rpcs0, cfg.net.GetTotalBytes(), int(cfg.ops.Load()))
}

// clientRand returns a random source for client cli of this test, derived
// from the seed, so that each client's choices do not depend on how the
// clients' goroutines interleave.
func (cfg *config) clientRand(cli int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(cfg.t.Seed), uint64(cli)+1))
}
