package shardkv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/shardkv/shardctrler"
	"distlabs/test/labtest"
	"distlabs/test/linearize"
)

// linearizabilityTimeout bounds the porcupine check in -realtime runs (in a
// bubble the CPU-bound check runs to completion).
const linearizabilityTimeout = 30 * time.Second

// virtualLimit bounds a test in virtual time (the 6.824 tests allow two
// minutes of real time; ours need under 15 s of virtual time). A stuck
// service keeps clients retrying and the virtual clock running, so without
// a bound it would spin until the harness's real-time watchdog; past the
// bound the test fails and the test's clients stop waiting for their
// requests (client.do), so it ends within seconds.
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
	gid      int
	servers  []*ShardKV
	saved    []*raft.Persister
	endnames [][]string // endnames[i][j]: server i's end to server j of the group
	ctrlEnds [][]string // ctrlEnds[i][j]: server i's end to controller j
	madeEnds [][]string // ends server i made with makeEnd, this incarnation
}

// config is one test's world: a controller cluster, ngroups replica
// groups, the clerks, and the history of client operations that is checked
// for linearizability when the test ends.
type config struct {
	t            *labtest.T
	net          *labrpc.Network
	maxraftstate int

	mu       sync.Mutex
	ctrlers  []*shardctrler.ShardCtrler
	ctrlSave []*raft.Persister
	groups   []*group
	names    map[string]int     // per-prefix counters: deterministic end names
	mck      *shardctrler.Clerk // the test's administrator clerk
	joined   map[int]bool       // gi -> the group is in the configuration

	// stop is closed when the test's clients must give up: at virtualLimit
	// or when the test ends (stopClients).
	stop     chan struct{}
	stopOnce sync.Once

	hist    *linearize.Recorder
	clients atomic.Int32 // history ids handed out
	ops     atomic.Int32
}

func ctrlerName(i int) string      { return fmt.Sprintf("ctrler-%d", i) }
func serverName(gid, i int) string { return fmt.Sprintf("server-%d-%d", gid, i) }

// makeConfig starts the controller and ngroups groups (gids 100, 101, ...),
// none of them joined yet.
func makeConfig(t *labtest.T, unreliable bool, maxraftstate int) *config {
	cfg := &config{
		t:            t,
		net:          labrpc.MakeNetwork(),
		maxraftstate: maxraftstate,
		ctrlers:      make([]*shardctrler.ShardCtrler, nctrlers),
		ctrlSave:     make([]*raft.Persister, nctrlers),
		names:        make(map[string]int),
		joined:       make(map[int]bool),
		stop:         make(chan struct{}),
		hist:         linearize.NewRecorder(),
	}
	cfg.net.Reliable(!unreliable)
	t.Cleanup(cfg.cleanup)
	limit := time.AfterFunc(virtualLimit, cfg.expire)
	t.Cleanup(func() { limit.Stop() })
	for i := range nctrlers {
		cfg.startCtrler(i)
	}
	cfg.mck = cfg.ctrlerClerk()
	for gi := range ngroups {
		gg := &group{
			gid:      100 + gi,
			servers:  make([]*ShardKV, nper),
			saved:    make([]*raft.Persister, nper),
			endnames: make([][]string, nper),
			ctrlEnds: make([][]string, nper),
			madeEnds: make([][]string, nper),
		}
		cfg.groups = append(cfg.groups, gg)
		for i := range nper {
			cfg.StartServer(gi, i)
		}
	}
	return cfg
}

// cleanup stops the test's clients, every server and the network.
func (cfg *config) cleanup() {
	cfg.stopClients()
	cfg.mu.Lock()
	var kill []interface{ Kill() }
	for _, gg := range cfg.groups {
		for _, kv := range gg.servers {
			if kv != nil {
				kill = append(kill, kv)
			}
		}
	}
	for _, sc := range cfg.ctrlers {
		if sc != nil {
			kill = append(kill, sc)
		}
	}
	cfg.mu.Unlock()
	for _, k := range kill {
		k.Kill()
	}
	cfg.net.Cleanup()
}

// expire fails the test and stops its clients, present and future.
func (cfg *config) expire() {
	cfg.t.Errorf("the test is still running after %v of virtual time: the service is stuck (operations never complete)", virtualLimit)
	cfg.stopClients()
}

// stopClients makes every request of the test's clients in progress, and
// every later one, return at once without a result (client.do).
func (cfg *config) stopClients() {
	cfg.stopOnce.Do(func() { close(cfg.stop) })
}

// stopped reports whether the clients have been stopped: a request that
// returned then may have been cut short, and its result means nothing.
func (cfg *config) stopped() bool {
	select {
	case <-cfg.stop:
		return true
	default:
		return false
	}
}

// newNameLocked returns a fresh end name with the given prefix. Names are
// numbered per prefix, so they do not depend on how goroutines interleave
// as long as each prefix is used by one goroutine at a time.
func (cfg *config) newNameLocked(prefix string) string {
	cfg.names[prefix]++
	return fmt.Sprintf("%s#%d", prefix, cfg.names[prefix])
}

// connectLocked makes a new enabled end named after prefix to server.
func (cfg *config) endLocked(prefix string, server string) (string, *labrpc.ClientEnd) {
	name := cfg.newNameLocked(prefix + "->" + server)
	end := cfg.net.MakeEnd(name)
	cfg.net.Connect(name, server)
	cfg.net.Enable(name, true)
	return name, end
}

// startCtrler starts controller server i.
func (cfg *config) startCtrler(i int) {
	cfg.mu.Lock()
	ends := make([]*labrpc.ClientEnd, nctrlers)
	for j := range nctrlers {
		_, ends[j] = cfg.endLocked(ctrlerName(i), ctrlerName(j))
	}
	if cfg.ctrlSave[i] == nil {
		cfg.ctrlSave[i] = raft.MakePersister()
	}
	p := cfg.ctrlSave[i]
	cfg.mu.Unlock()
	sc, peer := startCtrlerServer(ends, i, p)
	cfg.mu.Lock()
	cfg.ctrlers[i] = sc
	cfg.mu.Unlock()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(sc))
	srv.AddService(labrpc.MakeService(peer))
	cfg.net.AddServer(ctrlerName(i), srv)
}

// ctrlerEndsLocked returns new ends from prefix to every controller server.
func (cfg *config) ctrlerEndsLocked(prefix string) ([]string, []*labrpc.ClientEnd) {
	names := make([]string, nctrlers)
	ends := make([]*labrpc.ClientEnd, nctrlers)
	for j := range nctrlers {
		names[j], ends[j] = cfg.endLocked(prefix, ctrlerName(j))
	}
	cfg.t.Rand.Shuffle(nctrlers, func(a, b int) { ends[a], ends[b] = ends[b], ends[a]; names[a], names[b] = names[b], names[a] })
	return names, ends
}

// ctrlerClerk returns a controller Clerk for the test's own use.
func (cfg *config) ctrlerClerk() *shardctrler.Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	_, ends := cfg.ctrlerEndsLocked("admin")
	return shardctrler.MakeClerk(ends)
}

// makeClient returns a Clerk with its own ends to the controller and to
// every server it asks for.
func (cfg *config) makeClient() *Clerk {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	prefix := cfg.newNameLocked("clerk")
	_, ends := cfg.ctrlerEndsLocked(prefix)
	return MakeClerk(ends, func(server string) *labrpc.ClientEnd {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		_, end := cfg.endLocked(prefix, server)
		return end
	})
}

// ShutdownServer crashes server i of group gi: its ends are disabled, it
// leaves the network and is killed; its persister is copied first, so that
// anything the dying instance still writes cannot reach the restart.
func (cfg *config) ShutdownServer(gi, i int) {
	cfg.mu.Lock()
	gg := cfg.groups[gi]
	for _, names := range [][]string{gg.endnames[i], gg.ctrlEnds[i], gg.madeEnds[i]} {
		for _, n := range names {
			cfg.net.Enable(n, false)
		}
	}
	for j := range nper {
		if gg.endnames[j] != nil {
			cfg.net.Enable(gg.endnames[j][i], false)
		}
	}
	cfg.net.DeleteServer(serverName(gg.gid, i))
	if gg.saved[i] != nil {
		gg.saved[i] = gg.saved[i].Copy()
	}
	kv := gg.servers[i]
	gg.servers[i] = nil
	cfg.mu.Unlock()
	if kv != nil {
		kv.Kill()
	}
}

// StartServer starts (or restarts) server i of group gi from a copy of its
// persisted state, connected to its group, the controller, and any server
// it names.
func (cfg *config) StartServer(gi, i int) {
	cfg.mu.Lock()
	gg := cfg.groups[gi]
	me := serverName(gg.gid, i)
	gg.endnames[i] = make([]string, nper)
	ends := make([]*labrpc.ClientEnd, nper)
	for j := range nper {
		gg.endnames[i][j], ends[j] = cfg.endLocked(me, serverName(gg.gid, j))
	}
	for j := range nper {
		// Links from live peers to this server come back up.
		if j != i && gg.endnames[j] != nil && gg.servers[j] != nil {
			cfg.net.Enable(gg.endnames[j][i], true)
		}
	}
	var cends []*labrpc.ClientEnd
	gg.ctrlEnds[i], cends = cfg.ctrlerEndsLocked(me)
	gg.madeEnds[i] = nil
	if gg.saved[i] != nil {
		gg.saved[i] = gg.saved[i].Copy()
	} else {
		gg.saved[i] = raft.MakePersister()
	}
	p := gg.saved[i]
	cfg.mu.Unlock()

	makeEnd := func(server string) *labrpc.ClientEnd {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		name, end := cfg.endLocked(me, server)
		gg.madeEnds[i] = append(gg.madeEnds[i], name)
		return end
	}
	kv, peer := startGroupServer(ends, i, p, cfg.maxraftstate, gg.gid, cends, makeEnd)

	cfg.mu.Lock()
	gg.servers[i] = kv
	cfg.mu.Unlock()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(kv))
	srv.AddService(labrpc.MakeService(peer))
	cfg.net.AddServer(me, srv)
}

// ShutdownGroup crashes every server of group gi.
func (cfg *config) ShutdownGroup(gi int) {
	for i := range nper {
		cfg.ShutdownServer(gi, i)
	}
}

// StartGroup restarts every server of group gi.
func (cfg *config) StartGroup(gi int) {
	for i := range nper {
		cfg.StartServer(gi, i)
	}
}

// join adds the groups gis to the configuration. Like the 6.824 tester it
// joins only groups that are out and, in leave, removes only groups that
// are in: what a controller does with anything else is not specified, so
// the schedules never ask for it (a gi named twice counts once).
func (cfg *config) join(gis ...int) {
	m := make(map[int][]string, len(gis))
	for _, gi := range cfg.flip(gis, true) {
		gid := cfg.groups[gi].gid
		for i := range nper {
			m[gid] = append(m[gid], serverName(gid, i))
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

// checkLogs fails the test if any server's Raft state exceeds 8 ×
// maxraftstate, or if a server saved a snapshot with snapshots off.
func (cfg *config) checkLogs() {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for _, gg := range cfg.groups {
		for i, p := range gg.saved {
			if p == nil {
				continue
			}
			if cfg.maxraftstate >= 0 && p.RaftStateSize() > 8*cfg.maxraftstate {
				cfg.t.Fatalf("group %d server %d: Raft state is %d bytes, more than 8 × maxraftstate (%d): snapshots are not trimming the log",
					gg.gid, i, p.RaftStateSize(), cfg.maxraftstate)
			}
			if cfg.maxraftstate < 0 && p.SnapshotSize() > 0 {
				cfg.t.Fatalf("group %d server %d saved a %d-byte snapshot, but maxraftstate is -1", gg.gid, i, p.SnapshotSize())
			}
		}
	}
}

// persistedBytes is the total Raft state and snapshot size of every server.
func (cfg *config) persistedBytes() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	total := 0
	for _, gg := range cfg.groups {
		for _, p := range gg.saved {
			if p != nil {
				total += p.RaftStateSize() + p.SnapshotSize()
			}
		}
	}
	return total
}

// ownerOf returns the group index (gi) that owns key's shard in the latest
// configuration, or -1.
func (cfg *config) ownerOf(c shardctrler.Config, key string) int {
	gid := c.Shards[key2shard(key)]
	for gi, gg := range cfg.groups {
		if gg.gid == gid {
			return gi
		}
	}
	return -1
}

// begin starts a test phase and its progress line.
func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
	cfg.ops.Store(0)
}

// end checks the whole history so far for linearizability and prints the
// phase's "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	if linearize.Check(cfg.t, cfg.hist.Operations(), linearizabilityTimeout) == porcupine.Illegal {
		cfg.t.FailNow()
	}
	cfg.t.Passed(ngroups*nper+nctrlers, cfg.net.GetTotalCount(), cfg.net.GetTotalBytes(), int(cfg.ops.Load()))
}

// client is a Clerk with its own row in the history.
type client struct {
	cfg *config
	ck  *Clerk
	id  int
}

// newClient returns a fresh Clerk with a history id.
func (cfg *config) newClient() *client {
	return &client{cfg: cfg, ck: cfg.makeClient(), id: int(cfg.clients.Add(1)) - 1}
}

// do runs req, a request of c's Clerk, and reports whether it completed
// before the test stopped its clients. The 6.824 Clerk API has no way to
// stop a request (a Clerk retries until a group answers), so a request
// still running then is abandoned: it goes on in a harness goroutine,
// which the leak check does not count, until the bubble ends.
func (c *client) do(req func()) bool {
	if c.cfg.stopped() {
		return false
	}
	done := make(chan struct{})
	c.cfg.t.Background(func() {
		defer close(done)
		req()
	})
	select {
	case <-done:
		return true
	case <-c.cfg.stop:
		return false
	}
}

// Get performs and records a Get (an operation cut short when the clients
// stop is not recorded, and returns "").
func (c *client) Get(key string) string {
	op := c.cfg.hist.Start(c.id, linearize.Input{Op: linearize.Get, Key: key})
	var v string
	if c.do(func() { v = c.ck.Get(key) }) {
		op.End(v)
		c.cfg.ops.Add(1)
		return v
	}
	return ""
}

// Put performs and records a Put.
func (c *client) Put(key, value string) {
	op := c.cfg.hist.Start(c.id, linearize.Input{Op: linearize.Put, Key: key, Value: value})
	if c.do(func() { c.ck.Put(key, value) }) {
		op.End("")
		c.cfg.ops.Add(1)
	}
}

// Append performs and records an Append.
func (c *client) Append(key, value string) {
	op := c.cfg.hist.Start(c.id, linearize.Input{Op: linearize.Append, Key: key, Value: value})
	if c.do(func() { c.ck.Append(key, value) }) {
		op.End("")
		c.cfg.ops.Add(1)
	}
}

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
			key, abbrev(v), abbrev(want), at, abbrev(v[at:]), abbrev(want[at:]))
	}
}

// abbrev shortens long values in failure messages.
func abbrev(s string) string {
	if len(s) > 120 {
		return s[:50] + " ... " + s[len(s)-50:]
	}
	return s
}

// keysAllShards returns n keys, the i-th in shard i mod NShards.
func keysAllShards(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		// key2shard uses the first byte: '0'+i mod 10 covers each shard.
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

// clientRand returns a random source for test client cli, derived from the
// seed, so that a client's choices do not depend on goroutine interleaving.
func (cfg *config) clientRand(cli int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(cfg.t.Seed), uint64(cli)+1))
}

// isolate cuts server i of group gi off from the rest of its group (both
// directions); the controller and other groups still reach it.
func (cfg *config) isolate(gi, i int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	gg := cfg.groups[gi]
	for j := range nper {
		if j == i {
			continue
		}
		if gg.endnames[i] != nil {
			cfg.net.Enable(gg.endnames[i][j], false)
		}
		if gg.endnames[j] != nil {
			cfg.net.Enable(gg.endnames[j][i], false)
		}
	}
}

// healGroup reconnects the live servers of group gi with each other.
func (cfg *config) healGroup(gi int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	gg := cfg.groups[gi]
	for i := range nper {
		for j := range nper {
			if gg.servers[i] != nil && gg.servers[j] != nil {
				cfg.net.Enable(gg.endnames[i][j], true)
			}
		}
	}
}

// alive reports whether server i of group gi is running.
func (cfg *config) alive(gi, i int) bool {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.groups[gi].servers[i] != nil
}
