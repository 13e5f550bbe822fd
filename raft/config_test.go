package raft_test

// The cluster harness every test in this package builds on: the 6.824
// config, rebuilt on the shared kit (distlabs/test/tester: network, group of
// peers, persisted states) in virtual time, with the applier and the log
// checks that are Raft's own.

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// electionTimeout is the upper bound the tests assume for electing a new
// leader after a failure ("about 1 s" in the lab handout).
const electionTimeout = 1 * time.Second

// snapshotInterval: with snapshots on, the harness snapshots every this many
// applied commands.
const snapshotInterval = 10

// maxLogSize bounds the Raft state size when the harness snapshots (2D).
const maxLogSize = 2000

// config is one test's cluster: n peers in a tester.Group, the states they
// persisted, and what each applied.
type config struct {
	t         *labtest.T
	net       *tester.Net
	g         *tester.Group[*raft.Raft]
	saved     *tester.States[*raft.Persister]
	n         int
	snapshots bool // the applier snapshots every snapshotInterval entries
	start     time.Time

	mu          sync.Mutex                // guards the fields below
	logs        []map[int]interface{}     // applied commands per server
	lastApplied []int                     // per server
	applyErr    string                    // the first apply error seen
	appliers    map[*raft.Raft]applierRun // per running instance
	snapTaken   []bool                    // per server: a Snapshot call of the harness returned
}

// applierRun stops one instance's applier goroutine: close stop, wait done.
type applierRun struct{ stop, done chan struct{} }

// makeConfig builds n peers, all connected, on a reliable or unreliable
// network seeded from the test's seed.
func makeConfig(t *labtest.T, n int, unreliable bool, snapshots bool) *config {
	labgob.Register(0)
	cfg := &config{
		t:           t,
		net:         tester.NewNet(t, !unreliable),
		saved:       tester.NewStates(n, raft.MakePersister),
		n:           n,
		snapshots:   snapshots,
		start:       time.Now(),
		logs:        make([]map[int]interface{}, n),
		lastApplied: make([]int, n),
		appliers:    map[*raft.Raft]applierRun{},
		snapTaken:   make([]bool, n),
	}
	cfg.net.LongDelays(true)
	for i := range cfg.logs {
		cfg.logs[i] = map[int]interface{}{}
	}
	cfg.g = tester.NewGroup(cfg.net, tester.Spec[*raft.Raft]{
		Name:    "raft",
		N:       n,
		Start:   cfg.startPeer,
		Kill:    cfg.killPeer,
		Crashed: cfg.saved.Freeze,
	})
	cfg.g.StartAll()
	return cfg
}

// cluster runs a test's body on a fresh cluster of n peers, between begin
// (with title) and end (its checks and the "Passed" line).
func cluster(t *testing.T, n int, unreliable, snapshots bool, title string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, n, unreliable, snapshots)
		defer cfg.cleanup()
		cfg.begin(title)
		body(t, cfg)
		cfg.end()
	})
}

// cleanup kills every peer and the network. Tests defer it in the body:
// labtest checks for leaked goroutines when the body returns, before
// t.Cleanup functions run.
func (cfg *config) cleanup() {
	cfg.g.Shutdown()
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

// startPeer is the group's Spec.Start: peer i resumes from a copy of what it
// persisted (its snapshot becomes what it applied) with its own applier.
func (cfg *config) startPeer(i int, ends []*labrpc.ClientEnd) (*raft.Raft, []any) {
	persister := cfg.saved.Restart(i)
	cfg.mu.Lock()
	cfg.lastApplied[i] = 0
	var err string
	if snap := persister.ReadSnapshot(); len(snap) > 0 {
		err = cfg.ingestSnap(i, snap, -1)
	}
	cfg.mu.Unlock()
	if err != "" {
		cfg.t.Fatal(err)
	}

	applyCh := make(chan raft.ApplyMsg)
	rf := raft.Make(ends, i, persister, applyCh)
	run := applierRun{make(chan struct{}), make(chan struct{})}
	cfg.mu.Lock()
	cfg.appliers[rf] = run
	cfg.mu.Unlock()
	go cfg.applier(i, rf, applyCh, run)
	return rf, []any{rf}
}

// killPeer is the group's Spec.Kill: it kills the instance, then stops its
// applier.
func (cfg *config) killPeer(rf *raft.Raft) {
	rf.Kill()
	cfg.mu.Lock()
	run, ok := cfg.appliers[rf]
	delete(cfg.appliers, rf)
	cfg.mu.Unlock()
	if ok {
		close(run.stop)
		<-run.done
	}
}

// crash1 shuts peer i down, keeping what it persisted: later writes by the
// killed instance go to a persister nobody reads.
func (cfg *config) crash1(i int) { cfg.g.Crash(i) }

// start1 (re)starts peer i from its saved state, with fresh outgoing ends;
// it stays disconnected until connect.
func (cfg *config) start1(i int) { cfg.g.Start(i) }

// applier consumes peer i's applyCh, checking every message, and snapshots
// every snapshotInterval commands when snapshots are on. Once stopped (the
// peer crashed) it closes done and leaves a Background helper draining,
// unchecked, for as long as the bubble lives, as the 6.824 harness's applier
// does: a killed Raft that still sends on applyCh, perhaps holding its lock,
// must not block its other goroutines (which would stop virtual time, even
// during the leak check).
func (cfg *config) applier(i int, rf *raft.Raft, applyCh chan raft.ApplyMsg, run applierRun) {
	for {
		var m raft.ApplyMsg
		select {
		case <-run.stop:
			close(run.done)
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
		cfg.mu.Unlock()
		if err != "" {
			cfg.t.Errorf("apply error: %v", err)
			// Keep draining so the peer is not blocked until Kill.
			continue
		}
		if snap != nil {
			rf.Snapshot(m.CommandIndex, snap)
			// Counted only while rf is the live incarnation: a crash
			// takes the peer out of the group before it copies the
			// persister, so a save made after that copy is rightly lost.
			if live, ok := cfg.g.Server(i); ok && live == rf {
				cfg.mu.Lock()
				cfg.snapTaken[i] = true
				cfg.mu.Unlock()
			}
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

// connect attaches peer i (if up) to the network, in both directions, to
// the connected peers of its partition group.
func (cfg *config) connect(i int) { cfg.g.Connect(i) }

// disconnect detaches peer i from the network, in both directions.
func (cfg *config) disconnect(i int) { cfg.g.Disconnect(i) }

// partition puts each peer in group[i]; only peers of one group talk.
// nil heals.
func (cfg *config) partition(group []int) { cfg.g.SetGroups(group) }

func (cfg *config) rpcCount(server int) int  { return cfg.g.RPCCount(server) }
func (cfg *config) setUnreliable(unrel bool) { cfg.net.Reliable(!unrel) }
func (cfg *config) setLongReordering(b bool) { cfg.net.LongReordering(b) }

// raftAt returns peer i's running instance, nil when it is down.
func (cfg *config) raftAt(i int) *raft.Raft {
	rf, _ := cfg.g.Server(i)
	return rf
}

func (cfg *config) isConnected(i int) bool { return cfg.g.Connected(i) }

// failIfApplyErr stops the test at the first apply error an applier saw.
func (cfg *config) failIfApplyErr() {
	if err := cfg.applyError(); err != "" {
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
	for i := 0; i < cfg.n; i++ {
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

// liveRafts returns the running instances.
func (cfg *config) liveRafts() []*raft.Raft {
	var rs []*raft.Raft
	for _, i := range cfg.g.Up() {
		if rf := cfg.raftAt(i); rf != nil {
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
					cfg.net.Op()
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
	cfg.net.Begin(desc)
}

// end checks the time limit and, with snapshots on, that they were saved
// (checkSnapshotsSaved), and prints the "Passed" line.
func (cfg *config) end() {
	cfg.checkTimeout()
	if cfg.t.Failed() {
		return
	}
	cfg.checkSnapshotsSaved()
	cfg.net.Passed(cfg.n)
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
			taken := cfg.snapTaken[i]
			cfg.mu.Unlock()
			p, ok := cfg.saved.Get(i)
			return !taken || (ok && p.SnapshotSize() > 0)
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
	return cfg.saved.Max((*raft.Persister).RaftStateSize)
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

// waitFor polls cond every 10 ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	for t0 := time.Now(); time.Since(t0) < d; sleep(10 * ms) {
		if cond() {
			return true
		}
	}
	return cond()
}
