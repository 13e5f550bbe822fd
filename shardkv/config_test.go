package shardkv

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/shardkv/shardctrler"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// virtualLimit bounds a test in virtual time (the 6.824 tests allow two
// minutes of real time; ours need under 15 s of virtual time). A stuck
// service keeps clients retrying and the virtual clock running, so without
// a bound it would spin until the harness's real-time watchdog; past the
// bound the test fails and the test's clients stop waiting for their
// requests (kvtest.Options.Abandon), so it ends within seconds.
const virtualLimit = 60 * time.Second

// Cluster shape of the tests, as in 6.824.
const (
	nctrlers = 3 // controller servers
	ngroups  = 3 // replica groups
	nper     = 3 // servers per group
)

// startCtrlerServer and startGroupServer start a controller replica and a
// group's server, and return it with the consensus peer (Raft) its labrpc
// server carries beside it. A reference-only test file replaces them to
// run everything on Paxos (-consensus=paxos).
var (
	startCtrlerServer = func(ends []*labrpc.ClientEnd, i int, p *raft.Persister) (*shardctrler.ShardCtrler, interface{}) {
		sc := shardctrler.StartServer(ends, i, p)
		return sc, sc.Raft()
	}
	startGroupServer = func(ends []*labrpc.ClientEnd, me int, p *raft.Persister, maxraftstate, gid int, ctrlers []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) (*ShardKV, interface{}) {
		kv := StartServer(ends, me, p, maxraftstate, gid, ctrlers, makeEnd)
		return kv, kv.rf
	}
)

// needsRestart marks a test that restarts servers from their persisted
// state or measures snapshots. It does nothing here; the reference-only
// Paxos harness makes it skip the test, since Paxos groups (as in the 2015
// lab) persist nothing: a crash there is a kill without restart.
var needsRestart = func(*testing.T) {}

// restartable reports whether the servers persist Raft state, so crashed
// ones can be restarted; the Paxos harness says no, and a test that
// restarts only at its end stops there.
var restartable = func() bool { return true }

// group is one replica group of the test cluster.
type group struct {
	*tester.Group[*ShardKV]
	gid   int
	saved *tester.States[*raft.Persister]

	mu  sync.Mutex
	out []*outLinks // by server: its current incarnation's links
}

// outLinks are one server incarnation's ends beyond its group (to the
// controller, and those it made with makeEnd). The tester cuts only the
// group's own links at a crash; these are cut too, and any end the dying
// instance still makes starts cut.
type outLinks struct {
	net *tester.Net

	mu    sync.Mutex
	names []string
	cut   bool
}

// add enables the end name unless the incarnation has crashed.
func (l *outLinks) add(name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
	l.net.Enable(name, !l.cut)
}

// cutAll disables every end of the incarnation, now and later.
func (l *outLinks) cutAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut = true
	for _, name := range l.names {
		l.net.Enable(name, false)
	}
}

// config is one test's world: a controller cluster, ngroups replica
// groups (gids 100, 101, ...) on one network, the clerks, and the history
// of client operations that is checked for linearizability when the test
// ends.
type config struct {
	t            *labtest.T
	net          *tester.Net
	maxraftstate int
	ctrlers      *tester.Group[*shardctrler.ShardCtrler]
	groups       []*group
	hist         *kvtest.History
	mck          *shardctrler.Clerk // the test's administrator clerk

	mu      sync.Mutex
	joined  map[int]bool // gi -> the group is in the configuration
	clients int          // history rows (and clerk end prefixes) handed out
}

// setup is the cluster a test runs on.
type setup struct {
	unreliable   bool
	maxraftstate int  // -1: no snapshots
	restarts     bool // the test restarts servers from persisted state (needsRestart)
}

// run is the frame of every test: the cluster, a client, the phase desc,
// and at the end (unless the test failed) the history check and the
// "Passed" line.
func run(t *testing.T, s setup, desc string, body func(t *labtest.T, cfg *config, c *client)) {
	if s.restarts {
		needsRestart(t)
	}
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, s.unreliable, s.maxraftstate)
		c := cfg.newClient()
		cfg.net.Begin(desc)
		body(t, cfg, c)
		if !t.Failed() {
			cfg.end()
		}
	})
}

// makeConfig starts the controller and ngroups groups, none of them
// joined yet.
func makeConfig(t *labtest.T, unreliable bool, maxraftstate int) *config {
	net := tester.NewNet(t, !unreliable)
	cfg := &config{
		t:            t,
		net:          net,
		maxraftstate: maxraftstate,
		hist:         kvtest.NewHistory(t, net, kvtest.Options{Abandon: true}),
		joined:       make(map[int]bool),
	}
	t.Cleanup(cfg.cleanup)
	limit := time.AfterFunc(virtualLimit, cfg.expire)
	t.Cleanup(func() { limit.Stop() })
	cfg.ctrlers = tester.NewGroup(net, tester.Spec[*shardctrler.ShardCtrler]{
		Name: "ctrler",
		N:    nctrlers,
		Start: func(i int, ends []*labrpc.ClientEnd) (*shardctrler.ShardCtrler, []any) {
			sc, peer := startCtrlerServer(ends, i, raft.MakePersister())
			return sc, []any{sc, peer}
		},
	})
	cfg.ctrlers.StartAll()
	_, ends := cfg.ctrlers.NewClient(t.Rand.Perm(nctrlers)...)
	cfg.mck = shardctrler.MakeClerk(ends)
	for gi := range ngroups {
		cfg.groups = append(cfg.groups, cfg.newGroup(100+gi))
		cfg.groups[gi].StartAll()
	}
	return cfg
}

// newGroup returns group gid with no server started. Server i reaches the
// controller and, by name (makeEnd), the servers of other groups through
// ends of its own, numbered per server so that names replay with the seed.
func (cfg *config) newGroup(gid int) *group {
	gg := &group{gid: gid, saved: tester.NewStates(nper, raft.MakePersister), out: make([]*outLinks, nper)}
	gg.Group = tester.NewGroup(cfg.net, tester.Spec[*ShardKV]{
		Name: fmt.Sprintf("g%d", gid),
		N:    nper,
		Start: func(i int, ends []*labrpc.ClientEnd) (*ShardKV, []any) {
			me := gg.ServerName(i)
			out := &outLinks{net: cfg.net}
			gg.mu.Lock()
			gg.out[i] = out
			gg.mu.Unlock()
			cends := make([]*labrpc.ClientEnd, nctrlers)
			for n, j := range cfg.perm(nctrlers) {
				var name string
				name, cends[n] = cfg.net.NewEnd(me+"-ctrler", cfg.ctrlers.ServerName(j))
				cfg.net.SetEndOwner(name, me) // its messages on me's lane of a timeline
				out.add(name)
			}
			makeEnd := func(server string) *labrpc.ClientEnd {
				name, end := cfg.net.NewEnd(me+"-out", server)
				cfg.net.SetEndOwner(name, me)
				out.add(name)
				return end
			}
			kv, peer := startGroupServer(ends, i, gg.saved.Restart(i), cfg.maxraftstate, gid, cends, makeEnd)
			return kv, []any{kv, peer}
		},
		Crashed: func(i int) {
			gg.mu.Lock()
			out := gg.out[i]
			gg.mu.Unlock()
			out.cutAll()
			gg.saved.Freeze(i)
		},
	})
	return gg
}

// perm returns a seeded random order of 0..n-1, for the order in which a
// client tries the controller servers.
func (cfg *config) perm(n int) []int { return cfg.t.Rand.Perm(n) }

// cleanup stops the test's clients, every server and the network.
func (cfg *config) cleanup() {
	cfg.hist.Stop()
	for _, gg := range cfg.groups {
		gg.Shutdown()
	}
	cfg.ctrlers.Shutdown()
	cfg.net.Cleanup()
}

// expire fails the test and stops its clients, present and future.
func (cfg *config) expire() {
	cfg.t.Errorf("the test is still running after %v of virtual time: the service is stuck (operations never complete)", virtualLimit)
	cfg.hist.Stop()
}

// stopped reports whether the clients have been stopped: a request that
// returned then may have been cut short, and its result means nothing.
func (cfg *config) stopped() bool { return cfg.hist.Stopped() }

// link returns a new enabled end named after prefix to server.
func (cfg *config) link(prefix, server string) *labrpc.ClientEnd {
	name, end := cfg.net.NewEnd(prefix, server)
	cfg.net.SetEndOwner(name, prefix) // one timeline lane per client, not per end
	cfg.net.Enable(name, true)
	return end
}

// makeClerk returns a Clerk with its own ends to the controller and to
// every server it asks for; prefix names the latter.
func (cfg *config) makeClerk(prefix string) *Clerk {
	_, ends := cfg.ctrlers.NewClient(cfg.perm(nctrlers)...)
	return MakeClerk(ends, func(server string) *labrpc.ClientEnd { return cfg.link(prefix, server) })
}

// ShutdownServer crashes server i of group gi; what it persisted survives.
func (cfg *config) ShutdownServer(gi, i int) { cfg.groups[gi].Crash(i) }

// StartServer restarts server i of group gi from what it persisted,
// connected to its group.
func (cfg *config) StartServer(gi, i int) {
	cfg.groups[gi].Start(i)
	cfg.groups[gi].Connect(i)
}

// ShutdownGroup crashes every server of group gi.
func (cfg *config) ShutdownGroup(gi int) { cfg.groups[gi].Shutdown() }

// StartGroup restarts every server of group gi.
func (cfg *config) StartGroup(gi int) { cfg.groups[gi].StartAll() }

// isolate cuts server i of group gi off from the rest of its group (both
// directions); the controller and other groups still reach it.
func (cfg *config) isolate(gi, i int) {
	rest := slices.DeleteFunc(cfg.groups[gi].All(), func(j int) bool { return j == i })
	cfg.groups[gi].Partition(rest, []int{i})
}

// healGroup reconnects the live servers of group gi with each other.
func (cfg *config) healGroup(gi int) { cfg.groups[gi].ConnectAll() }

// alive reports whether server i of group gi is running.
func (cfg *config) alive(gi, i int) bool {
	_, up := cfg.groups[gi].Server(i)
	return up
}

// join adds the groups gis to the configuration. Like the 6.824 tester it
// joins only groups that are out and, in leave, removes only groups that
// are in: what a controller does with anything else is not specified, so
// the schedules never ask for it (a gi named twice counts once).
func (cfg *config) join(gis ...int) {
	m := make(map[int][]string, len(gis))
	for _, gi := range cfg.flip(gis, true) {
		gg := cfg.groups[gi]
		for i := range nper {
			m[gg.gid] = append(m[gg.gid], gg.ServerName(i))
		}
	}
	if len(m) > 0 {
		cfg.mck.Join(m)
	}
}

// leave removes the groups gis from the configuration.
func (cfg *config) leave(gis ...int) {
	var gids []int
	for _, gi := range cfg.flip(gis, false) {
		gids = append(gids, cfg.groups[gi].gid)
	}
	if len(gids) > 0 {
		cfg.mck.Leave(gids)
	}
}

// flip sets the membership of each group of gis to in and returns those
// whose membership changed.
func (cfg *config) flip(gis []int, in bool) []int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var out []int
	for _, gi := range gis {
		if cfg.joined[gi] != in {
			cfg.joined[gi] = in
			out = append(out, gi)
		}
	}
	return out
}

// persisted calls f with every server's persisted state.
func (cfg *config) persisted(f func(gg *group, i int, p *raft.Persister)) {
	for _, gg := range cfg.groups {
		for i := range nper {
			if p, ok := gg.saved.Get(i); ok {
				f(gg, i, p)
			}
		}
	}
}

// checkLogs fails the test if any server's Raft state exceeds 8 ×
// maxraftstate, or if a server saved a snapshot with snapshots off.
func (cfg *config) checkLogs() {
	cfg.t.Helper()
	cfg.persisted(func(gg *group, i int, p *raft.Persister) {
		if cfg.maxraftstate >= 0 && p.RaftStateSize() > 8*cfg.maxraftstate {
			cfg.t.Fatalf("group %d server %d: Raft state is %d bytes, more than 8 × maxraftstate (%d): snapshots are not trimming the log",
				gg.gid, i, p.RaftStateSize(), cfg.maxraftstate)
		}
		if cfg.maxraftstate < 0 && p.SnapshotSize() > 0 {
			cfg.t.Fatalf("group %d server %d saved a %d-byte snapshot, but maxraftstate is -1", gg.gid, i, p.SnapshotSize())
		}
	})
}

// persistedBytes is the total Raft state and snapshot size of every server.
func (cfg *config) persistedBytes() int {
	total := 0
	cfg.persisted(func(_ *group, _ int, p *raft.Persister) { total += p.RaftStateSize() + p.SnapshotSize() })
	return total
}

// ownerOf returns the group index (gi) that owns key's shard in c, or -1.
func (cfg *config) ownerOf(c shardctrler.Config, key string) int {
	gid := c.Shards[key2shard(key)]
	for gi, gg := range cfg.groups {
		if gg.gid == gid {
			return gi
		}
	}
	return -1
}

// end checks the whole history so far for linearizability and prints the
// phase's "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.hist.Check()
	cfg.net.Passed(ngroups*nper + nctrlers)
}

// client is a Clerk with its own row in the history.
type client struct {
	cfg *config
	ck  *Clerk
	id  int
}

// newClient returns a fresh Clerk with a history row.
func (cfg *config) newClient() *client {
	cfg.mu.Lock()
	id := cfg.clients
	cfg.clients++
	cfg.mu.Unlock()
	return &client{cfg: cfg, ck: cfg.makeClerk(fmt.Sprintf("clerk%d", id)), id: id}
}

// Get performs and records a Get (one cut short when the clients stop is
// not recorded).
func (c *client) Get(key string) string { return c.cfg.hist.Get(c.ck, c.id, key) }

// Put performs and records a Put.
func (c *client) Put(key, value string) { c.cfg.hist.Put(c.ck, c.id, key, value) }

// Append performs and records an Append.
func (c *client) Append(key, value string) { c.cfg.hist.Append(c.ck, c.id, key, value) }

// check fails the test unless key reads as want. Once the clients are
// stopped the test has failed already (expire says why) or is over, so
// check ends it without a second, misleading message.
func (c *client) check(key, want string) {
	c.cfg.t.Helper()
	v := c.Get(key)
	if c.cfg.stopped() {
		c.cfg.t.FailNow()
	}
	if v != want {
		at := 0
		for at < len(v) && at < len(want) && v[at] == want[at] {
			at++
		}
		c.cfg.t.Fatalf("Get(%q) returned %q; it should be %q (they differ from byte %d: %q vs %q)",
			key, kvtest.Abbrev(v), kvtest.Abbrev(want), at, kvtest.Abbrev(v[at:]), kvtest.Abbrev(want[at:]))
	}
}

// keysAllShards returns n keys that cover every shard (n >= NShards): the
// i-th is in shard ('0'+i) mod NShards, as key2shard takes the first byte
// mod NShards ('0' is 48, so key 0 is in shard 8).
func keysAllShards(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%c-%d", '0'+byte(i%shardctrler.NShards), i)
	}
	return keys
}

// gisExcept returns the group indices other than those listed.
func gisExcept(skip ...int) []int {
	var out []int
	for gi := range ngroups {
		if !slices.Contains(skip, gi) {
			out = append(out, gi)
		}
	}
	return out
}
