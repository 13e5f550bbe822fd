//go:build !distlabs_ported

package raft_test

// Targeted tests, one per classic Raft bug. Each drives one real peer
// through scripted fake peers (config_rig_test.go) and checks one rule of the
// extended Raft paper, cited above the test in the style of etcd's
// raft_paper_test.go.

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/raft"
	"distlabs/test/labtest"
)

// TestVoteTimerReset2A checks that granting a vote restarts the election
// timer.
//
// Section 5.2 / Figure 2 (rules for followers): a follower starts an
// election only when a whole timeout passes with neither a message from
// the current leader nor a vote it granted. A candidate that keeps asking
// (retransmitting its RequestVote) holds the follower back; a follower that
// only resets on AppendEntries starts a competing election.
func TestVoteTimerReset2A(t *testing.T) {
	withRig(t, 3, "Test (2A): granting a vote resets the election timer", func(t *labtest.T, r *rig) {
		args := raft.RequestVoteArgs{Term: 5, CandidateId: 1}
		for i := 0; i < 60; i++ { // 3 s, a vote request every 50 ms
			if reply := r.requestVote(1, args); !reply.VoteGranted {
				t.Fatalf("vote %d: a follower refused the candidate it already voted for (reply %+v)", i, reply)
			}
			sleep(50 * ms)
		}
		for _, f := range r.fakes[1:] {
			if v := f.voteRequests(); len(v) > 0 {
				t.Fatalf("the peer started an election (term %d) while granting a vote every 50 ms", v[0].Term)
			}
		}
		r.passed(0)
	})
}

// TestHigherTermReply2A checks that a term in a reply is not ignored.
//
// Section 5.1 / Figure 2 (rules for all servers): any RPC, request or reply,
// that carries a newer term makes the receiver adopt that term and step
// down to follower.
func TestHigherTermReply2A(t *testing.T) {
	withRig(t, 3, "Test (2A): a higher term in a reply deposes the leader", func(t *labtest.T, r *rig) {
		for _, f := range r.fakes[1:] {
			f.setVote(grantAll)
		}
		term := r.waitLeader()

		// An AppendEntries reply with a later term.
		high := term + 10
		for _, f := range r.fakes[1:] {
			f.setAppend(func(args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) {
				reply.Term = high
				reply.Success = false
			})
		}
		if !waitFor(2*sec, func() bool {
			term1, leader := r.real().GetState()
			return term1 >= high && !leader
		}) {
			term1, leader := r.real().GetState()
			t.Fatalf("leader got AppendEntries replies with term %d but has term %d, leader=%v", high, term1, leader)
		}

		// A RequestVote reply with a later term.
		higher := high + 10
		for _, f := range r.fakes[1:] {
			f.setVote(func(args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) {
				reply.Term = max(args.Term, higher)
			})
		}
		if !waitFor(3*sec, func() bool {
			term1, _ := r.real().GetState()
			return term1 >= higher
		}) {
			term1, _ := r.real().GetState()
			t.Fatalf("candidate got RequestVote replies with term %d but stays at term %d", higher, term1)
		}
		r.passed(0)
	})
}

// TestStaleVoteReply2A checks that a vote granted in an earlier election
// does not count in a later one.
//
// Section 5.2: winning takes a majority of the whole cluster voting in one
// and the same term. A reply
// that arrives after the candidate moved to a new term is stale and must not
// change its state.
func TestStaleVoteReply2A(t *testing.T) {
	withRig(t, 3, "Test (2A): a stale vote does not count in a later term", func(t *labtest.T, r *rig) {
		// Each fake grants the first vote it is asked for, but only after
		// 2.5 s, when the candidate has moved on to a later election;
		// later requests are refused at once.
		var firstTerm [3]atomic.Int64
		for j := 1; j < 3; j++ {
			j := j
			r.fakes[j].setVote(func(args *raft.RequestVoteArgs, reply *raft.RequestVoteReply) {
				if firstTerm[j].CompareAndSwap(0, int64(args.Term)) {
					select {
					case <-time.After(2500 * ms):
					case <-r.quit:
					}
					reply.VoteGranted = true
				}
			})
		}
		for t0 := time.Now(); time.Since(t0) < 5*sec; sleep(10 * ms) {
			if term, leader := r.real().GetState(); leader {
				t.Fatalf("the peer became leader in term %d with votes granted for term %d and %d",
					term, firstTerm[1].Load(), firstTerm[2].Load())
			}
		}
		if firstTerm[1].Load() == 0 {
			t.Fatalf("the peer never asked for a vote")
		}
		r.passed(0)
	})
}

// TestUpToDateVote2B checks the election restriction.
//
// Section 5.4.1: a server refuses its vote to a candidate whose log is
// behind its own. Logs are compared by their last entries: a later last
// term wins; with equal last terms, the longer log wins.
func TestUpToDateVote2B(t *testing.T) {
	withRig(t, 3, "Test (2B): votes only for candidates with up-to-date logs", func(t *labtest.T, r *rig) {
		// The peer's log: index 1 and 2, both from term 2.
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 2, LeaderId: 1, Entries: entries(100, 2, 2),
		}); !reply.Success {
			t.Fatalf("follower rejected the first entries: %+v", reply)
		}
		cases := []struct {
			lastIndex, lastTerm int
			grant               bool
			why                 string
		}{
			{0, 0, false, "empty log"},
			{1, 2, false, "same last term, shorter log"},
			{5, 1, false, "longer log, earlier last term"},
			{2, 2, true, "identical log"},
			{1, 3, true, "later last term, shorter log"},
			{3, 2, true, "same last term, longer log"},
		}
		term := 10
		for _, c := range cases {
			term++ // a new term each time, so the vote is free
			reply := r.requestVote(2, raft.RequestVoteArgs{
				Term: term, CandidateId: 2, LastLogIndex: c.lastIndex, LastLogTerm: c.lastTerm,
			})
			if reply.VoteGranted != c.grant {
				t.Fatalf("voter with log (index 2, term 2), candidate (index %d, term %d), %s: granted=%v, want %v",
					c.lastIndex, c.lastTerm, c.why, reply.VoteGranted, c.grant)
			}
		}
		r.passed(0)
	})
}

// TestCommitCurrentTerm2B checks that a leader does not commit an entry
// from an earlier term by counting replicas.
//
// Section 5.4.2 / Figure 8: replica counting may commit only an entry of
// the leader's own term; older entries become committed indirectly, when a
// later entry of the current term commits.
func TestCommitCurrentTerm2B(t *testing.T) {
	withRig(t, 3, "Test (2B): entries of earlier terms are not committed by counting", func(t *labtest.T, r *rig) {
		// Entry 1 from term 1, not committed.
		r.appendUncommitted()
		// Every fake votes for the peer and acknowledges whatever it
		// sends, so entry 1 is on all three peers.
		for _, f := range r.fakes[1:] {
			f.setVote(grantAll)
		}
		term := r.waitLeader()
		sleep(2 * sec)
		if cmds := commandsOf(r.appliedMsgs()); len(cmds) != 0 {
			t.Fatalf("the term-%d leader committed %v, an entry of term 1 it only counted replicas of", term, cmds)
		}

		// An entry of the current term commits both.
		index, _, ok := r.real().Start(200)
		if !ok || index != 2 {
			t.Fatalf("Start returned index %d, leader %v; want 2, true", index, ok)
		}
		r.expectBothCommitted()
		r.passed(1)
	})
}

// TestApplyInOrder2B checks that committed entries are applied one by one,
// in log order.
//
// Figure 2 (rules for all servers): entries are applied one index at a time,
// lastApplied chasing commitIndex, so every state machine sees the same
// commands in the same order (Section 5.3).
func TestApplyInOrder2B(t *testing.T) {
	withRig(t, 3, "Test (2B): committed entries are applied in order", func(t *labtest.T, r *rig) {
		n := 40
		terms := make([]int, n)
		for i := range terms {
			terms[i] = 1
		}
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 1, LeaderId: 1, Entries: entries(1000, terms...),
		}); !reply.Success {
			t.Fatalf("follower rejected the entries: %+v", reply)
		}
		// Commit them in small steps from concurrent heartbeats, then
		// all at once.
		var wg sync.WaitGroup
		for c := 1; c <= n/2; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				r.appendEntries(1, raft.AppendEntriesArgs{
					Term: 1, LeaderId: 1, PrevLogIndex: n, PrevLogTerm: 1, LeaderCommit: c,
				})
			}(c)
		}
		wg.Wait()
		r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 1, LeaderId: 1, PrevLogIndex: n, PrevLogTerm: 1, LeaderCommit: n,
		})
		if !waitFor(2*sec, func() bool { return len(r.appliedMsgs()) >= n }) {
			t.Fatalf("applied %d of %d committed entries", len(r.appliedMsgs()), n)
		}
		for i, m := range r.appliedMsgs() {
			if !m.CommandValid || m.CommandIndex != i+1 || m.Command != 1000+i {
				t.Fatalf("message %d is %+v, want command %d at index %d", i, m, 1000+i, i+1)
			}
		}
		r.passed(n)
	})
}

// TestStaleReply2B checks that a late AppendEntries reply only vouches for
// the entries that request carried.
//
// Section 5.3 / Figure 2: after a successful AppendEntries the leader
// advances the follower's nextIndex and matchIndex by what that request
// carried. Its own log may have grown while the request was in flight, so
// matchIndex must come from the request's arguments, not the log's length.
func TestStaleReply2B(t *testing.T) {
	withRig(t, 3, "Test (2B): a stale reply does not advance matchIndex", func(t *labtest.T, r *rig) {
		// Each fake answers the first AppendEntries carrying entries
		// after 500 ms and holds every other request until the end, so
		// the only acknowledgement the leader gets is a late one.
		var firstSent [3]atomic.Bool
		for j := 1; j < 3; j++ {
			j := j
			r.fakes[j].setAppend(func(args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) {
				if len(args.Entries) > 0 && firstSent[j].CompareAndSwap(false, true) {
					sleep(500 * ms)
					return
				}
				<-r.quit
			})
			r.fakes[j].setVote(grantAll)
		}
		r.waitLeader()
		index, _, ok := r.real().Start(100)
		if !ok || index != 1 {
			t.Fatalf("Start returned index %d, leader %v; want 1, true", index, ok)
		}
		if !waitFor(sec, func() bool { return firstSent[1].Load() && firstSent[2].Load() }) {
			t.Fatalf("the leader did not send entry 1 to its followers")
		}
		for i := 1; i <= 5; i++ {
			r.real().Start(100 + i)
		}
		sleep(2 * sec)
		cmds := commandsOf(r.appliedMsgs())
		if len(cmds) > 1 {
			t.Fatalf("the leader applied %v, but the followers acknowledged only index 1", cmds)
		}
		if len(cmds) != 1 || cmds[0] != 100 {
			t.Fatalf("the leader applied %v, want [100]", cmds)
		}
		r.passed(6)
	})
}

// TestPersistBeforeReply2C checks that a peer saves its vote and its log
// before it answers.
//
// Figure 2 (state): currentTerm, votedFor and the log are persistent, and
// must reach stable storage before the server answers an RPC. Section 5.2:
// one vote per server per term, which a crash must not let it forget.
func TestPersistBeforeReply2C(t *testing.T) {
	withRig(t, 3, "Test (2C): state is persisted before replying", func(t *labtest.T, r *rig) {
		// A vote survives a crash right after the reply.
		if reply := r.requestVote(1, raft.RequestVoteArgs{Term: 10, CandidateId: 1}); !reply.VoteGranted {
			t.Fatalf("vote refused to the first candidate of term 10: %+v", reply)
		}
		r.crash()
		r.start()
		if reply := r.requestVote(2, raft.RequestVoteArgs{Term: 10, CandidateId: 2}); reply.VoteGranted {
			t.Fatalf("after a crash the peer voted twice in term 10")
		}
		if term, _ := r.real().GetState(); term < 10 {
			t.Fatalf("after a crash the term went back from 10 to %d; Figure 2: currentTerm is persistent and only increases", term)
		}

		// Entries survive a crash right after the reply.
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 20, LeaderId: 1, Entries: entries(100, 20, 20, 20),
		}); !reply.Success {
			t.Fatalf("follower rejected entries: %+v", reply)
		}
		r.crash()
		r.start()
		reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 20, LeaderId: 1, PrevLogIndex: 3, PrevLogTerm: 20, LeaderCommit: 3,
		})
		if !reply.Success {
			t.Fatalf("after a crash the follower lost entries it had acknowledged")
		}
		if !waitFor(sec, func() bool { return len(r.appliedMsgs()) == 3 }) {
			t.Fatalf("applied %v, want [100 101 102]", commandsOf(r.appliedMsgs()))
		}
		if cmds := commandsOf(r.appliedMsgs()); !slices.Equal(cmds, []interface{}{100, 101, 102}) {
			t.Fatalf("applied %v, want [100 101 102]", cmds)
		}
		r.passed(3)
	})
}

// TestSnapshotBoundary2D checks the index arithmetic around a snapshot.
//
// Section 7 / Figure 13: a snapshot stands in for every entry up to and
// including lastIncludedIndex; lastIncludedTerm is kept so the consistency
// check still works for the entry right after the snapshot; and a follower
// whose log agrees at that point keeps the entries that follow it.
func TestSnapshotBoundary2D(t *testing.T) {
	withRig(t, 3, "Test (2D): snapshot index boundaries", func(t *labtest.T, r *rig) {
		// Log 1..10 with terms 1 1 1 2 2 2 3 3 3 3, all committed.
		terms := []int{1, 1, 1, 2, 2, 2, 3, 3, 3, 3}
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 3, LeaderId: 1, Entries: entries(101, terms...), LeaderCommit: 10,
		}); !reply.Success {
			t.Fatalf("follower rejected the entries: %+v", reply)
		}
		if !waitFor(sec, func() bool { return len(r.appliedMsgs()) == 10 }) {
			t.Fatalf("applied %d of 10 entries", len(r.appliedMsgs()))
		}
		r.snapshot(5, []byte("snap5"))

		// The consistency check at and just after the snapshot boundary.
		check := func(prev, prevTerm int, want bool, why string) {
			reply := r.appendEntries(1, raft.AppendEntriesArgs{
				Term: 3, LeaderId: 1, PrevLogIndex: prev, PrevLogTerm: prevTerm, LeaderCommit: 10,
			})
			if reply.Success != want {
				t.Fatalf("after Snapshot(5): AppendEntries with prev (index %d, term %d), %s: success=%v, want %v",
					prev, prevTerm, why, reply.Success, want)
			}
		}
		// Every probe comes from the same leader of term 3, so it must
		// describe that leader's one log: a probe claiming another term at
		// an index already checked would be a step no legal leader takes.
		check(5, 2, true, "the snapshot's last entry (lastIncludedTerm)")
		check(6, 2, true, "first entry after the snapshot")
		check(7, 3, true, "second entry after the snapshot")
		check(10, 3, true, "last entry")

		// Restart: the peer resumes after the snapshot, at index 6.
		r.crash()
		before := len(r.appliedMsgs())
		r.start()
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 3, LeaderId: 1, PrevLogIndex: 10, PrevLogTerm: 3, LeaderCommit: 7,
		}); !reply.Success {
			t.Fatalf("after restart the follower lost entries after its snapshot: %+v", reply)
		}
		if !waitFor(sec, func() bool { return len(r.appliedMsgs()) == before+2 }) {
			t.Fatalf("after restart applied %+v, want indices 6 and 7", r.appliedMsgs()[before:])
		}
		for i, m := range r.appliedMsgs()[before:] {
			if !m.CommandValid || m.CommandIndex != 6+i || m.Command != 106+i {
				t.Fatalf("after restart message %d is %+v, want command %d at index %d", i, m, 106+i, 6+i)
			}
		}

		// InstallSnapshot through 8 keeps entries 9 and 10.
		before = len(r.appliedMsgs())
		r.installSnapshot(1, raft.InstallSnapshotArgs{
			Term: 3, LeaderId: 1, LastIncludedIndex: 8, LastIncludedTerm: 3, Data: []byte("snap8"),
		})
		if reply := r.appendEntries(1, raft.AppendEntriesArgs{
			Term: 3, LeaderId: 1, PrevLogIndex: 10, PrevLogTerm: 3, LeaderCommit: 10,
		}); !reply.Success {
			t.Fatalf("InstallSnapshot(8) dropped entries 9 and 10 that follow it: %+v", reply)
		}
		if !waitFor(sec, func() bool { return len(r.appliedMsgs()) == before+3 }) {
			t.Fatalf("after InstallSnapshot(8) applied %+v, want the snapshot and indices 9, 10", r.appliedMsgs()[before:])
		}
		msgs := r.appliedMsgs()[before:]
		if !msgs[0].SnapshotValid || msgs[0].SnapshotIndex != 8 || msgs[0].SnapshotTerm != 3 || string(msgs[0].Snapshot) != "snap8" {
			t.Fatalf("after InstallSnapshot(8) the first message is %+v, want the snapshot at index 8, term 3", msgs[0])
		}
		for i, m := range msgs[1:] {
			if !m.CommandValid || m.CommandIndex != 9+i || m.Command != 109+i {
				t.Fatalf("after the snapshot message %d is %+v, want command %d at index %d", i, m, 109+i, 9+i)
			}
		}

		// As leader, the peer sends followers that are behind its
		// snapshot exactly that snapshot, then continues after it.
		for _, f := range r.fakes[1:] {
			f.setVote(grantAll)
			f.setAppend(func(args *raft.AppendEntriesArgs, reply *raft.AppendEntriesReply) {
				if args.PrevLogIndex > 8 && len(f.installRequests()) == 0 {
					reply.Success = false // "my log ends at 8"
					reply.XTerm, reply.XLen = -1, 9
				}
			})
		}
		r.snapshot(9, []byte("snap9"))
		r.waitLeader()
		if !waitFor(2*sec, func() bool { return len(r.fakes[1].installRequests()) > 0 }) {
			t.Fatalf("a leader did not send InstallSnapshot to a follower behind its snapshot")
		}
		is := r.fakes[1].installRequests()[0]
		if is.LastIncludedIndex != 9 || is.LastIncludedTerm != 3 || string(is.Data) != "snap9" {
			t.Fatalf("InstallSnapshot has (index %d, term %d, %q), want (9, 3, \"snap9\")",
				is.LastIncludedIndex, is.LastIncludedTerm, is.Data)
		}
		sleep(500 * ms)
		for _, a := range r.fakes[1].appendRequests() {
			if a.PrevLogIndex == 9 && a.PrevLogTerm != 3 {
				t.Fatalf("AppendEntries after the snapshot has prev (index 9, term %d), want term 3", a.PrevLogTerm)
			}
			if a.PrevLogIndex == 9 && (len(a.Entries) < 1 || a.Entries[0].Command != 110) {
				t.Fatalf("AppendEntries after the snapshot carries %v, want entry 10 (command 110) first", a.Entries)
			}
		}
		r.passed(10)
	})
}
