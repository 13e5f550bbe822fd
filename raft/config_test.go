package raft_test

// The cluster harness every test in this package builds on: the 6.824
// config, rebuilt on labtest (virtual time, one seed) and labrpc.

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
	"distlabs/test/labtest"
)

// electionTimeout is the upper bound the tests assume for electing a new
// leader after a failure ("about 1 s" in the lab handout).
const electionTimeout = 1 * time.Second

// snapshotInterval: with snapshots on, the harness snapshots every this many
// applied commands.
const snapshotInterval = 10

// maxLogSize bounds the Raft state size when the harness snapshots (2D).
const maxLogSize = 2000

type config struct {
	t         *labtest.T
	net       *labrpc.Network
	n         int
	snapshots bool // the applier snapshots every snapshotInterval entries

	mu          sync.Mutex // guards the fields below
	rafts       []*raft.Raft
	connected   []bool
	group       []int // partition group of each peer; nil: one group
	saved       []*raft.Persister
	endnames    [][]string
	logs        []map[int]interface{} // applied commands per server
	lastApplied []int
	maxIndex    int
	maxIndex0   int
	applyErr    string
	stop        []chan struct{}              // per server: stops its applier goroutine
	done        []chan struct{}              // per server: closed when its applier exits
	onApply     func(i int, m raft.ApplyMsg) // extra check on every apply (nemesis)
	snapTaken   []bool                       // per server: a Snapshot call of the harness returned
	endSeq      int

	// counters at Begin
	start time.Time
	rpcs0 int
	byte0 int64
	cmds0 int
	cmds  int
}

// makeConfig builds n peers, all connected, on a reliable or unreliable
// network seeded from the test's seed.
func makeConfig(t *labtest.T, n int, unreliable bool, snapshots bool) *config {
	labgob.Register(0)
	cfg := &config{
		t:           t,
		net:         labrpc.MakeNetwork(),
		n:           n,
		snapshots:   snapshots,
		rafts:       make([]*raft.Raft, n),
		connected:   make([]bool, n),
		saved:       make([]*raft.Persister, n),
		endnames:    make([][]string, n),
		logs:        make([]map[int]interface{}, n),
		lastApplied: make([]int, n),
		stop:        make([]chan struct{}, n),
		done:        make([]chan struct{}, n),
		snapTaken:   make([]bool, n),
		start:       time.Now(),
	}
	cfg.net.Reliable(!unreliable)
	cfg.net.LongDelays(true)
	for i := 0; i < n; i++ {
		cfg.logs[i] = map[int]interface{}{}
		cfg.start1(i)
	}
	for i := 0; i < n; i++ {
		cfg.connect(i)
	}
	return cfg
}

// cleanup kills every peer and the network. Tests defer it in the body:
// labtest checks for leaked goroutines when the body returns, before
// t.Cleanup functions run.
func (cfg *config) cleanup() {
	for i := 0; i < cfg.n; i++ {
		cfg.crash1(i)
	}
	cfg.net.Cleanup()
	cfg.checkTimeout()
	noteUnseededRandomness(cfg.t.T)
}

func (cfg *config) checkTimeout() {
	// The 6.824 harness enforces a 120 s real-time limit per test; here
	// the limit is on virtual time.
	if !cfg.t.Failed() && time.Since(cfg.start) > 120*time.Second {
		cfg.t.Errorf("test took longer than 120 seconds")
	}
}

// crash1 shuts peer i down, keeping what it persisted: later writes by the
// killed instance go to a persister nobody reads.
func (cfg *config) crash1(i int) {
	cfg.disconnect(i)
	cfg.net.DeleteServer(i)

	cfg.mu.Lock()
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
	}
	rf := cfg.rafts[i]
	cfg.rafts[i] = nil
	stop, done := cfg.stop[i], cfg.done[i]
	cfg.stop[i], cfg.done[i] = nil, nil
	cfg.mu.Unlock()

	if rf != nil {
		rf.Kill()
	}
	if stop != nil {
		close(stop)
		<-done
	}
}

// start1 (re)starts peer i from its saved state, with fresh outgoing ends.
func (cfg *config) start1(i int) {
	cfg.crash1(i)

	cfg.mu.Lock()
	cfg.endSeq++
	seq := cfg.endSeq
	cfg.mu.Unlock()
	cfg.endnames[i] = make([]string, cfg.n)
	ends := make([]*labrpc.ClientEnd, cfg.n)
	for j := 0; j < cfg.n; j++ {
		// Deterministic names: labrpc draws each link's faults from
		// (seed, end name, message number).
		cfg.endnames[i][j] = fmt.Sprintf("raft-%d-%d-g%d", i, j, seq)
		ends[j] = cfg.net.MakeEnd(cfg.endnames[i][j])
		cfg.net.Connect(cfg.endnames[i][j], j)
	}

	cfg.mu.Lock()
	cfg.lastApplied[i] = 0
	if cfg.saved[i] != nil {
		cfg.saved[i] = cfg.saved[i].Copy()
		if snap := cfg.saved[i].ReadSnapshot(); len(snap) > 0 {
			if err := cfg.ingestSnap(i, snap, -1); err != "" {
				cfg.mu.Unlock()
				cfg.t.Fatal(err)
			}
		}
	} else {
		cfg.saved[i] = raft.MakePersister()
	}
	persister := cfg.saved[i]
	cfg.mu.Unlock()

	applyCh := make(chan raft.ApplyMsg)
	rf := raft.Make(ends, i, persister, applyCh)
	stop, done := make(chan struct{}), make(chan struct{})

	cfg.mu.Lock()
	cfg.rafts[i] = rf
	cfg.stop[i], cfg.done[i] = stop, done
	cfg.mu.Unlock()

	go cfg.applier(i, rf, applyCh, stop, done)

	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(rf))
	cfg.net.AddServer(i, srv)
}

// applier consumes peer i's applyCh, checking every message, and snapshots
// every snapshotInterval commands when snapshots are on. Once stopped (the
// peer crashed) it closes done and leaves a Background helper draining,
// unchecked, for as long as the bubble lives, as the 6.824 harness's applier
// does: a killed Raft that still sends on applyCh, perhaps holding its lock,
// must not block its other goroutines (which would stop virtual time, even
// during the leak check).
func (cfg *config) applier(i int, rf *raft.Raft, applyCh chan raft.ApplyMsg, stop, done chan struct{}) {
	for {
		var m raft.ApplyMsg
		select {
		case <-stop:
			close(done)
			cfg.t.Background(func() { drain(applyCh) })
			return
		case m = <-applyCh:
		}
		var err string
		var snap []byte
		cfg.mu.Lock()
		switch {
		case m.SnapshotValid:
			if rf.CondInstallSnapshot(m.SnapshotTerm, m.SnapshotIndex, m.Snapshot) {
				err = cfg.ingestSnap(i, m.Snapshot, m.SnapshotIndex)
			}
		case m.CommandValid:
			if m.CommandIndex != cfg.lastApplied[i]+1 {
				err = fmt.Sprintf("server %v apply out of order, expected index %v, got %v",
					i, cfg.lastApplied[i]+1, m.CommandIndex)
			}
			if err == "" {
				err = cfg.checkLogs(i, m)
			}
			if err == "" {
				cfg.lastApplied[i] = m.CommandIndex
				if cfg.snapshots && (m.CommandIndex+1)%snapshotInterval == 0 {
					snap = cfg.encodeSnap(i, m.CommandIndex)
				}
			}
		default:
			// An ApplyMsg that is neither is ignored, as in 6.824.
		}
		if err != "" && cfg.applyErr == "" {
			cfg.applyErr = err
		}
		hook := cfg.onApply
		cfg.mu.Unlock()
		if err != "" {
			cfg.t.Errorf("apply error: %v", err)
			// Keep draining so the peer is not blocked until Kill.
			continue
		}
		if hook != nil && m.CommandValid {
			hook(i, m)
		}
		if snap != nil {
			rf.Snapshot(m.CommandIndex, snap)
			// Counted only while rf is the live incarnation: a crash
			// copies the persister before it kills the peer, so a save
			// made after that copy is rightly lost.
			cfg.mu.Lock()
			if cfg.rafts[i] == rf {
				cfg.snapTaken[i] = true
			}
			cfg.mu.Unlock()
		}
	}
}

// drain discards messages from applyCh for good.
func drain(applyCh chan raft.ApplyMsg) {
	for range applyCh {
	}
}

// checkLogs records m as applied by i and reports a disagreement with any
// other server at the same index. Caller holds cfg.mu.
func (cfg *config) checkLogs(i int, m raft.ApplyMsg) string {
	v := m.Command
	for j, log := range cfg.logs {
		if old, ok := log[m.CommandIndex]; ok && old != v {
			return fmt.Sprintf("commit index=%v server=%v %v != server=%v %v",
				m.CommandIndex, i, v, j, old)
		}
	}
	_, prevok := cfg.logs[i][m.CommandIndex-1]
	cfg.logs[i][m.CommandIndex] = v
	if m.CommandIndex > cfg.maxIndex {
		cfg.maxIndex = m.CommandIndex
	}
	if m.CommandIndex > 1 && !prevok && cfg.lastApplied[i] != m.CommandIndex-1 {
		return fmt.Sprintf("server %v apply out of order %v", i, m.CommandIndex)
	}
	return ""
}

// encodeSnap encodes the commands i applied through index as the snapshot.
// Caller holds cfg.mu.
func (cfg *config) encodeSnap(i, index int) []byte {
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	xlog := make([]interface{}, index+1)
	for j := 0; j <= index; j++ {
		xlog[j] = cfg.logs[i][j]
	}
	if err := e.Encode(index); err != nil {
		cfg.t.Errorf("encode snapshot index: %v", err)
	}
	if err := e.Encode(xlog); err != nil {
		cfg.t.Errorf("encode snapshot log: %v", err)
	}
	return w.Bytes()
}

// ingestSnap replaces i's applied log by the snapshot's. index is the index
// the ApplyMsg announced (-1 at restart, when there is none). Caller holds
// cfg.mu.
func (cfg *config) ingestSnap(i int, snapshot []byte, index int) string {
	if snapshot == nil {
		return "nil snapshot"
	}
	d := labgob.NewDecoder(bytes.NewBuffer(snapshot))
	var lastIncludedIndex int
	var xlog []interface{}
	if d.Decode(&lastIncludedIndex) != nil || d.Decode(&xlog) != nil {
		return fmt.Sprintf("server %v: snapshot decode error", i)
	}
	if index != -1 && index != lastIncludedIndex {
		return fmt.Sprintf("server %v has snapshot index %v but the ApplyMsg says %v",
			i, lastIncludedIndex, index)
	}
	cfg.logs[i] = map[int]interface{}{}
	for j := 0; j < len(xlog); j++ {
		cfg.logs[i][j] = xlog[j]
	}
	cfg.lastApplied[i] = lastIncludedIndex
	return ""
}

// connect attaches peer i to the network, in both directions (to the
// connected peers of its partition group).
func (cfg *config) connect(i int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connected[i] = true
	cfg.updateLinks(i)
}

// disconnect detaches peer i from the network, in both directions.
func (cfg *config) disconnect(i int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.connected[i] = false
	cfg.updateLinks(i)
}

// partition puts each peer in group[i]; only peers of one group talk.
// nil heals.
func (cfg *config) partition(group []int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.group = group
	for i := 0; i < cfg.n; i++ {
		cfg.updateLinks(i)
	}
}

// updateLinks enables exactly the links of peer i that should be up.
// Caller holds cfg.mu.
func (cfg *config) updateLinks(i int) {
	for j := 0; j < cfg.n; j++ {
		up := cfg.connected[i] && cfg.connected[j] &&
			(cfg.group == nil || cfg.group[i] == cfg.group[j])
		if cfg.endnames[i] != nil {
			cfg.net.Enable(cfg.endnames[i][j], up)
		}
		if cfg.endnames[j] != nil {
			cfg.net.Enable(cfg.endnames[j][i], up)
		}
	}
}

func (cfg *config) rpcCount(server int) int { return cfg.net.GetCount(server) }
func (cfg *config) rpcTotal() int           { return cfg.net.GetTotalCount() }

func (cfg *config) setUnreliable(unrel bool) { cfg.net.Reliable(!unrel) }
func (cfg *config) setLongReordering(b bool) { cfg.net.LongReordering(b) }
func (cfg *config) bytesTotal() int64        { return cfg.net.GetTotalBytes() }

func (cfg *config) raftAt(i int) *raft.Raft {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.rafts[i]
}

func (cfg *config) isConnected(i int) bool {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.connected[i]
}

// failIfApplyErr stops the test at the first apply error an applier saw.
func (cfg *config) failIfApplyErr() {
	cfg.mu.Lock()
	err := cfg.applyErr
	cfg.mu.Unlock()
	if err != "" {
		cfg.t.Fatalf("apply error: %v", err)
	}
}

// sleep waits d (virtual time unless -realtime).
func sleep(d time.Duration) { time.Sleep(d) }

// checkOneLeader waits for exactly one leader among the connected peers and
// returns it; two leaders in one term fail the test.
func (cfg *config) checkOneLeader() int {
	for iters := 0; iters < 10; iters++ {
		sleep(time.Duration(450+cfg.t.Rand.IntN(100)) * time.Millisecond)
		cfg.failIfApplyErr()
		leaders := map[int][]int{}
		for i := 0; i < cfg.n; i++ {
			if !cfg.isConnected(i) {
				continue
			}
			if rf := cfg.raftAt(i); rf != nil {
				if term, leader := rf.GetState(); leader {
					leaders[term] = append(leaders[term], i)
				}
			}
		}
		lastTerm := -1
		for term, ls := range leaders {
			if len(ls) > 1 {
				cfg.t.Fatalf("term %d has %d (>1) leaders", term, len(ls))
			}
			lastTerm = max(lastTerm, term)
		}
		if len(leaders) != 0 {
			return leaders[lastTerm][0]
		}
	}
	cfg.t.Fatalf("expected one leader, got none")
	return -1
}

// checkTerms checks that every connected peer agrees on the term.
func (cfg *config) checkTerms() int {
	term := -1
	for i := 0; i < cfg.n; i++ {
		if !cfg.isConnected(i) {
			continue
		}
		xterm, _ := cfg.raftAt(i).GetState()
		if term == -1 {
			term = xterm
		} else if term != xterm {
			cfg.t.Fatalf("servers disagree on term")
		}
	}
	return term
}

// checkNoLeader checks that no connected peer thinks it is the leader.
func (cfg *config) checkNoLeader() {
	for i := 0; i < cfg.n; i++ {
		if !cfg.isConnected(i) {
			continue
		}
		if _, isLeader := cfg.raftAt(i).GetState(); isLeader {
			cfg.t.Fatalf("expected no leader among connected servers, but %v claims to be leader", i)
		}
	}
}

// nCommitted returns how many servers applied index, and the command there.
func (cfg *config) nCommitted(index int) (int, interface{}) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	if cfg.applyErr != "" {
		cfg.t.Fatalf("apply error: %v", cfg.applyErr)
	}
	count := 0
	var cmd interface{}
	for i := 0; i < len(cfg.rafts); i++ {
		if cmd1, ok := cfg.logs[i][index]; ok {
			if count > 0 && cmd != cmd1 {
				cfg.t.Fatalf("committed values do not match: index %v, %v, %v", index, cmd, cmd1)
			}
			count++
			cmd = cmd1
		}
	}
	return count, cmd
}

// wait waits for at least n servers to apply index; it gives up (returning
// -1) if a peer moves past startTerm, since the entry may then never commit.
func (cfg *config) wait(index int, n int, startTerm int) interface{} {
	to := 10 * time.Millisecond
	for iters := 0; iters < 30; iters++ {
		nd, _ := cfg.nCommitted(index)
		if nd >= n {
			break
		}
		sleep(to)
		if to < time.Second {
			to *= 2
		}
		if startTerm > -1 {
			for _, rf := range cfg.liveRafts() {
				if t, _ := rf.GetState(); t > startTerm {
					return -1
				}
			}
		}
	}
	nd, cmd := cfg.nCommitted(index)
	if nd < n {
		cfg.t.Fatalf("only %d decided for index %d; wanted %d", nd, index, n)
	}
	return cmd
}

func (cfg *config) liveRafts() []*raft.Raft {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	var rs []*raft.Raft
	for _, rf := range cfg.rafts {
		if rf != nil {
			rs = append(rs, rf)
		}
	}
	return rs
}

// one submits cmd to a leader and waits until expectedServers applied it at
// the returned index. With retry, it resubmits after a leader change; the
// whole thing must succeed within 10 s (virtual). It fails the test
// otherwise, so call it only from the test goroutine.
func (cfg *config) one(cmd interface{}, expectedServers int, retry bool) int {
	index, err := cfg.tryOne(cmd, expectedServers, retry)
	if err != nil {
		cfg.t.Fatal(err)
	}
	return index
}

// tryOne is one that returns its failure, for other goroutines.
func (cfg *config) tryOne(cmd interface{}, expectedServers int, retry bool) (int, error) {
	t0 := time.Now()
	starts := 0
	for time.Since(t0) < 10*time.Second {
		if err := cfg.applyError(); err != "" {
			return -1, fmt.Errorf("apply error: %v", err)
		}
		index := -1
		for si := 0; si < cfg.n; si++ {
			starts = (starts + 1) % cfg.n
			if !cfg.isConnected(starts) {
				continue
			}
			if rf := cfg.raftAt(starts); rf != nil {
				if index1, _, ok := rf.Start(cmd); ok {
					index = index1
					break
				}
			}
		}
		if index != -1 {
			t1 := time.Now()
			for time.Since(t1) < 2*time.Second {
				nd, cmd1 := cfg.peek(index)
				if nd > 0 && nd >= expectedServers && cmd1 == cmd {
					cfg.mu.Lock()
					cfg.cmds++
					cfg.mu.Unlock()
					return index, nil
				}
				sleep(20 * time.Millisecond)
			}
			if !retry {
				return -1, fmt.Errorf("one(%v) failed to reach agreement", cmd)
			}
		} else {
			sleep(50 * time.Millisecond)
		}
	}
	return -1, fmt.Errorf("one(%v) failed to reach agreement", cmd)
}

func (cfg *config) applyError() string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.applyErr
}

// begin prints the start line and resets the counters Passed reports.
func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.rpcs0 = cfg.rpcTotal()
	cfg.byte0 = cfg.bytesTotal()
	cfg.cmds0 = cfg.cmds
	cfg.maxIndex0 = cfg.maxIndex
}

// end checks the time limit and, with snapshots on, that they were saved
// (checkSnapshotsSaved), and prints the "Passed" line.
func (cfg *config) end() {
	cfg.checkTimeout()
	if cfg.t.Failed() {
		return
	}
	cfg.checkSnapshotsSaved()
	cfg.mu.Lock()
	cmds := cfg.cmds - cfg.cmds0
	cfg.mu.Unlock()
	cfg.t.Passed(cfg.n, cfg.rpcTotal()-cfg.rpcs0, cfg.bytesTotal()-cfg.byte0, cmds)
}

// checkSnapshotsSaved checks that every peer the harness handed a snapshot
// (rf.Snapshot) has a snapshot in its persister. The 2D lab: Raft must store
// each snapshot in the persister (persister.Save / SaveStateAndSnapshot),
// next to the state it trims, so that a restart resumes from it (§7). A
// Raft that keeps its whole log and drops the snapshot passes every other
// check of a run without crashes. The save may lag the call a little.
func (cfg *config) checkSnapshotsSaved() {
	for i := 0; i < cfg.n; i++ {
		saved := func() bool {
			cfg.mu.Lock()
			defer cfg.mu.Unlock()
			return !cfg.snapTaken[i] || cfg.saved[i].SnapshotSize() > 0
		}
		if !waitFor(sec, saved) {
			cfg.t.Fatalf("server %d was handed snapshots (Snapshot(index, snapshot), every %d commands) but its persister holds none: "+
				"Raft must save each snapshot with persister.Save (SaveStateAndSnapshot)", i, snapshotInterval)
		}
	}
}

// checkRestartKeepsLog crashes every peer and restarts it from its
// persister, as after a power failure, and commits one more command. The
// log, currentTerm and votedFor are persistent state (Figure 2): the
// committed entries must survive, so the new command goes after every index
// committed before, and what the peers apply again must match what they
// applied before (checkLogs). Call it with the cluster healed and the
// network reliable.
func (cfg *config) checkRestartKeepsLog() {
	before := cfg.one(cfg.t.Rand.Int(), cfg.n, true)
	cfg.rebootAll()
	after, err := cfg.tryOne(cfg.t.Rand.Int(), cfg.n, true)
	if err != nil {
		cfg.t.Fatalf("after every peer restarted from its persister: %v (the log is persistent state, Figure 2: the %d committed entries must survive a restart)", err, before)
	}
	if after <= before {
		cfg.t.Fatalf("after every peer restarted from its persister a new command went to index %d, not past %d: the committed log was lost (Figure 2: the log is persistent state)", after, before)
	}
}

// logSize returns the largest Raft state size among the persisters.
func (cfg *config) logSize() int {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	size := 0
	for _, p := range cfg.saved {
		if p != nil {
			size = max(size, p.RaftStateSize())
		}
	}
	return size
}

// ms is a millisecond, for brevity in the tests.
const ms = time.Millisecond

// sec is a second, for brevity in the tests.
const sec = time.Second

// randstring returns n random printable bytes drawn from the test's seed.
func randstring(t *labtest.T, n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[t.Rand.IntN(len(letters))]
	}
	return string(b)
}

// sleepRand returns a random duration multiplier in [0, n).
func sleepRand(t *labtest.T, n time.Duration) time.Duration {
	return time.Duration(t.Rand.Int64N(int64(n)))
}

func timeDuration(n int) time.Duration { return time.Duration(n) }

// peek is nCommitted without failing the test, for goroutines other than
// the test's own (t.Fatalf may only be called from the test goroutine).
func (cfg *config) peek(index int) (int, interface{}) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	count := 0
	var cmd interface{}
	for i := range cfg.logs {
		if cmd1, ok := cfg.logs[i][index]; ok {
			count++
			cmd = cmd1
		}
	}
	return count, cmd
}
