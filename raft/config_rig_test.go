//go:build !distlabs_ported

package raft_test

// A rig for the targeted tests: one real peer (index 0) whose other peers are
// scripted fakes the test drives directly. The fakes speak the wire contract
// of rpc.go, so a test can send any RPC at any moment, inspect what the real
// peer sends, and answer as the scenario needs.

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"

	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// Raft is a scripted peer. It is named Raft so that labrpc routes the real
// peer's "Raft.RequestVote", "Raft.AppendEntries" and "Raft.InstallSnapshot"
// calls to it. Without a hook it refuses votes and accepts every
// AppendEntries and InstallSnapshot.
type Raft struct {
	mu       sync.Mutex
	votes    []raft.RequestVoteArgs
	appends  []raft.AppendEntriesArgs
	installs []raft.InstallSnapshotArgs
	onVote   func(args *raft.RequestVoteArgs, reply *raft.RequestVoteReply)
	onAppend func(args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply)
	onSnap   func(args *raft.InstallSnapshotArgs, reply *raft.InstallSnapshotReply)
}

// RequestVote records the request and answers through the hook.
func (f *Raft) RequestVote(args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) {
	reply.Term = args.Term
	answer(f, &f.votes, &f.onVote, args, reply)
}

// AppendEntries records the request and answers through the hook.
func (f *Raft) AppendEntries(args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) {
	reply.Term, reply.Success = args.Term, true
	answer(f, &f.appends, &f.onAppend, args, reply)
}

// InstallSnapshot records the request and answers through the hook.
func (f *Raft) InstallSnapshot(args *raft.InstallSnapshotArgs, reply *raft.InstallSnapshotReply) {
	reply.Term = args.Term
	answer(f, &f.installs, &f.onSnap, args, reply)
}

// answer records a request of one kind in log and lets the kind's hook, if
// set, change the default reply.
func answer[A, R any](f *Raft, log *[]A, hook *func(*A, *R), args *A, reply *R) {
	f.mu.Lock()
	*log = append(*log, *args)
	h := *hook
	f.mu.Unlock()
	if h != nil {
		h(args, reply)
	}
}

func (f *Raft) setVote(h func(*raft.RequestVoteArgs, *raft.RequestVoteReply)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onVote = h
}

func (f *Raft) setAppend(h func(*raft.AppendEntriesArgs, *raft.AppendEntriesReply)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onAppend = h
}

func (f *Raft) voteRequests() []raft.RequestVoteArgs {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]raft.RequestVoteArgs(nil), f.votes...)
}

func (f *Raft) appendRequests() []raft.AppendEntriesArgs {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]raft.AppendEntriesArgs(nil), f.appends...)
}

func (f *Raft) installRequests() []raft.InstallSnapshotArgs {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]raft.InstallSnapshotArgs(nil), f.installs...)
}

// grantAll makes the fake grant every vote.
func grantAll(args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) {
	reply.VoteGranted = true
}

type rig struct {
	t     *labtest.T
	net   *labrpc.Network
	n     int
	fakes []*Raft             // fakes[j] for j >= 1
	to    []*labrpc.ClientEnd // to[j]: from fake j to the real peer
	quit  chan struct{}       // closed at cleanup: releases held handlers

	mu        sync.Mutex
	rf        *raft.Raft
	persister *raft.Persister
	applied   []raft.ApplyMsg
	applyErr  string
	lastIndex int
	snapIndex int // index of the service's latest snapshot: where a restart resumes
	gen       int
	stop      chan struct{}
	done      chan struct{}
}

func newRig(t *labtest.T, n int) *rig {
	r := &rig{
		t:         t,
		net:       labrpc.MakeNetwork(),
		n:         n,
		fakes:     make([]*Raft, n),
		to:        make([]*labrpc.ClientEnd, n),
		quit:      make(chan struct{}),
		persister: raft.MakePersister(),
	}
	for j := 1; j < n; j++ {
		r.fakes[j] = &Raft{}
		r.to[j] = tester.ServeFake(r.net, j, r.fakes[j], fmt.Sprintf("fake-%d-0", j), 0)
	}
	r.start()
	return r
}

// withRig runs a test's body on a fresh rig of n peers, after the start
// line (title); the body prints its own "Passed" line (passed).
func withRig(t *testing.T, n int, title string, body func(t *labtest.T, r *rig)) {
	labtest.Run(t, func(t *labtest.T) {
		r := newRig(t, n)
		defer r.cleanup()
		t.Begin(title)
		body(t, r)
	})
}

// start (re)starts the real peer from its persister.
func (r *rig) start() {
	r.mu.Lock()
	r.gen++
	gen := r.gen
	r.persister = r.persister.Copy()
	persister := r.persister
	r.lastIndex = r.snapIndex
	r.mu.Unlock()

	ends := make([]*labrpc.ClientEnd, r.n)
	for j := 0; j < r.n; j++ {
		name := fmt.Sprintf("real-0-%d-g%d", j, gen)
		ends[j] = r.net.MakeEnd(name)
		r.net.Connect(name, j)
		r.net.Enable(name, true)
	}
	applyCh := make(chan raft.ApplyMsg)
	rf := raft.Make(ends, 0, persister, applyCh)
	stop, done := make(chan struct{}), make(chan struct{})
	r.mu.Lock()
	r.rf, r.stop, r.done = rf, stop, done
	r.mu.Unlock()
	go r.reader(applyCh, stop, done)

	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(rf))
	r.net.AddServer(0, srv)
}

// reader records what the real peer applies and checks that commands arrive
// in index order without gaps (snapshots reset the position).
func (r *rig) reader(applyCh chan raft.ApplyMsg, stop, done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-stop:
			return
		case m := <-applyCh:
			r.mu.Lock()
			r.applied = append(r.applied, m)
			switch {
			case m.SnapshotValid:
				r.lastIndex = m.SnapshotIndex
				r.snapIndex = m.SnapshotIndex
			case m.CommandValid:
				if m.CommandIndex != r.lastIndex+1 && r.applyErr == "" {
					r.applyErr = fmt.Sprintf("applied index %d after %d", m.CommandIndex, r.lastIndex)
				}
				r.lastIndex = m.CommandIndex
			}
			r.mu.Unlock()
		}
	}
}

// crash kills the real peer, keeping a copy of what it persisted.
func (r *rig) crash() {
	r.net.DeleteServer(0)
	r.mu.Lock()
	rf, stop, done := r.rf, r.stop, r.done
	r.rf, r.stop, r.done = nil, nil, nil
	r.persister = r.persister.Copy()
	r.mu.Unlock()
	if rf != nil {
		rf.Kill()
		close(stop)
		<-done
	}
}

func (r *rig) cleanup() {
	close(r.quit)
	r.crash()
	r.net.Cleanup()
	noteUnseededRandomness(r.t.T)
}

// snapshot plays the service: it hands the real peer a snapshot through
// index and remembers where a restart resumes. The 2D lab: Raft stores each
// snapshot in the persister (persister.Save); the save may lag the call a
// little.
func (r *rig) snapshot(index int, data []byte) {
	r.real().Snapshot(index, data)
	r.mu.Lock()
	r.snapIndex = index
	persister := r.persister
	r.mu.Unlock()
	if !waitFor(sec, func() bool { return bytes.Equal(persister.ReadSnapshot(), data) }) {
		r.t.Fatalf("Snapshot(%d, %q) returned, but the persister holds the snapshot %q: Raft must save each snapshot with persister.Save (SaveStateAndSnapshot)",
			index, data, persister.ReadSnapshot())
	}
}

// link connects (on) or disconnects the real peer's end to fake j, as the
// 6.824 harness disconnects a server: calls on it fail after a timeout.
func (r *rig) link(j int, on bool) {
	r.mu.Lock()
	gen := r.gen
	r.mu.Unlock()
	r.net.Enable(fmt.Sprintf("real-0-%d-g%d", j, gen), on)
}

func (r *rig) real() *raft.Raft {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rf
}

// appliedMsgs returns what the real peer applied so far, failing the test on
// an ordering error.
func (r *rig) appliedMsgs() []raft.ApplyMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.applyErr != "" {
		r.t.Fatalf("apply error: %s", r.applyErr)
	}
	return append([]raft.ApplyMsg(nil), r.applied...)
}

func (r *rig) requestVote(from int, args raft.RequestVoteArgs) raft.RequestVoteReply {
	var reply raft.RequestVoteReply
	if !r.to[from].Call("Raft.RequestVote", &args, &reply) {
		r.t.Fatalf("RequestVote from fake %d to the real peer was lost", from)
	}
	return reply
}

func (r *rig) appendEntries(from int, args raft.AppendEntriesArgs) raft.AppendEntriesReply {
	var reply raft.AppendEntriesReply
	if !r.to[from].Call("Raft.AppendEntries", &args, &reply) {
		r.t.Fatalf("AppendEntries from fake %d to the real peer was lost", from)
	}
	return reply
}

func (r *rig) installSnapshot(from int, args raft.InstallSnapshotArgs) raft.InstallSnapshotReply {
	var reply raft.InstallSnapshotReply
	if !r.to[from].Call("Raft.InstallSnapshot", &args, &reply) {
		r.t.Fatalf("InstallSnapshot from fake %d to the real peer was lost", from)
	}
	return reply
}

// waitLeader waits (up to 5 s) until the real peer claims leadership and
// returns its term.
func (r *rig) waitLeader() int {
	for i := 0; i < 500; i++ {
		if term, ok := r.real().GetState(); ok {
			return term
		}
		sleep(10 * ms)
	}
	r.t.Fatalf("the real peer did not become leader although every fake grants its vote")
	return -1
}

// entries builds log entries with the given terms and commands cmd0, cmd0+1, ...
func entries(cmd0 int, terms ...int) []raft.LogEntry {
	es := make([]raft.LogEntry, len(terms))
	for i, term := range terms {
		es[i] = raft.LogEntry{Term: term, Command: cmd0 + i}
	}
	return es
}

// commands returns the commands of the applied command messages.
func commandsOf(msgs []raft.ApplyMsg) []interface{} {
	var cmds []interface{}
	for _, m := range msgs {
		if m.CommandValid {
			cmds = append(cmds, m.Command)
		}
	}
	return cmds
}

// passed prints the "Passed" line with the network's counters.
func (r *rig) passed(cmds int) {
	r.t.Passed(r.n, r.net.GetTotalCount(), r.net.GetTotalBytes(), cmds)
}

// appendUncommitted makes the real peer a follower of fake 1 in term 1
// holding entry 1 (command 100), not committed: the start of the Figure 8
// tests, where a later leader must not commit that entry by counting.
func (r *rig) appendUncommitted() {
	r.t.Helper()
	if reply := r.appendEntries(1, raft.AppendEntriesArgs{
		Term: 1, LeaderId: 1, Entries: entries(100, 1),
	}); !reply.Success {
		r.t.Fatalf("follower rejected the entry: %+v", reply)
	}
}

// expectBothCommitted waits up to 2 s for the real peer to apply entry 1
// (command 100) and its own entry 2 (command 200), and fails the test
// unless it applied exactly those, in that order.
func (r *rig) expectBothCommitted() {
	r.t.Helper()
	if !waitFor(2*sec, func() bool { return len(commandsOf(r.appliedMsgs())) == 2 }) {
		r.t.Fatalf("applied %v, want [100 200]", commandsOf(r.appliedMsgs()))
	}
	if cmds := commandsOf(r.appliedMsgs()); !slices.Equal(cmds, []interface{}{100, 200}) {
		r.t.Fatalf("applied %v, want [100 200]", cmds)
	}
}
