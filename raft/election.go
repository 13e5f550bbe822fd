//solution:file 2A

package raft

import "time"

// Leader election: Figure 2 ("Rules for Servers", RequestVote) and §5.2,
// with the election restriction of §5.4.1.

// resetElectionTimer picks a fresh randomized deadline. Called only when
// Figure 2 says the timer restarts: on hearing from the current leader, on
// granting a vote, and on starting an election (plus when a leader steps
// down, so a deposed leader does not start an election at once).
func (rf *Raft) resetElectionTimer() {
	spread := int64(electionTimeoutMax - electionTimeoutMin)
	d := electionTimeoutMin + time.Duration(rf.rng.Int64N(spread))
	rf.electionDeadline = time.Now().Add(d)
}

// ticker starts an election whenever the election deadline passes without
// the timer being reset. It sleeps exactly until the current deadline and
// re-checks, so an idle follower costs one wake-up per reset, not a poll.
func (rf *Raft) ticker() {
	defer rf.wg.Done()
	for {
		rf.mu.Lock()
		if rf.killed() {
			rf.mu.Unlock()
			return
		}
		if rf.role != leader && !time.Now().Before(rf.electionDeadline) {
			rf.startElection()
		}
		wait := time.Until(rf.electionDeadline)
		if rf.role == leader {
			// Leaders never time out; check again later in case this
			// peer steps down meanwhile.
			wait = electionTimeoutMin
		}
		rf.mu.Unlock()

		timer := time.NewTimer(wait)
		select {
		case <-rf.killCh:
			timer.Stop()
			return
		case <-timer.C:
		}
	}
}

// becomeFollower adopts term (if newer, clearing the vote) and the follower
// role. Caller holds mu. Any RPC request or reply carrying a newer term
// leads here (§5.1).
func (rf *Raft) becomeFollower(term int) {
	if term > rf.currentTerm {
		rf.currentTerm = term
		rf.votedFor = -1
		rf.persist()
	}
	if rf.role == leader {
		rf.resetElectionTimer()
	}
	rf.role = follower
	rf.noteState()
}

// startElection turns this peer into a candidate for the next term and asks
// every other peer for its vote. Caller holds mu.
func (rf *Raft) startElection() {
	rf.role = candidate
	rf.currentTerm++
	rf.votedFor = rf.me
	rf.persist()
	rf.resetElectionTimer()
	rf.noteState()

	args := RequestVoteArgs{
		Term:         rf.currentTerm,
		CandidateId:  rf.me,
		LastLogIndex: rf.lastLogIndex(),
		LastLogTerm:  rf.lastLogTerm(),
	}
	votes := 1 // guarded by mu
	if votes*2 > len(rf.peers) {
		rf.becomeLeader()
		return
	}
	for p := range rf.peers {
		if p == rf.me {
			continue
		}
		go func(p int) {
			var reply RequestVoteReply
			if !rf.peers[p].Call("Raft.RequestVote", &args, &reply) {
				return
			}
			rf.mu.Lock()
			defer rf.mu.Unlock()
			if rf.killed() {
				return
			}
			if reply.Term > rf.currentTerm {
				rf.becomeFollower(reply.Term)
				return
			}
			// A reply to an election this peer is no longer running
			// (a later term, or already decided) must not count.
			if rf.role != candidate || rf.currentTerm != args.Term || !reply.VoteGranted {
				return
			}
			votes++
			if votes*2 > len(rf.peers) {
				rf.becomeLeader()
			}
		}(p)
	}
}

// becomeLeader initialises the leader state of Figure 2 and sends the first
// heartbeats at once, so other peers stop their elections. Caller holds mu.
func (rf *Raft) becomeLeader() {
	rf.role = leader
	last := rf.lastLogIndex()
	for p := range rf.peers {
		rf.nextIndex[p] = last + 1
		rf.matchIndex[p] = 0
	}
	rf.matchIndex[rf.me] = last
	rf.noteState()
	rf.triggerAll() // first heartbeats now
}

// upToDate reports whether a candidate whose last entry has (lastTerm,
// lastIndex) is at least as up-to-date as this peer's log (§5.4.1).
func (rf *Raft) upToDate(lastTerm, lastIndex int) bool {
	myTerm := rf.lastLogTerm()
	if lastTerm != myTerm {
		return lastTerm > myTerm
	}
	return lastIndex >= rf.lastLogIndex()
}

// requestVote implements the RequestVote RPC (Figure 2).
func (rf *Raft) requestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if args.Term > rf.currentTerm {
		rf.becomeFollower(args.Term)
	}
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	if (rf.votedFor == -1 || rf.votedFor == args.CandidateId) &&
		rf.upToDate(args.LastLogTerm, args.LastLogIndex) {
		rf.votedFor = args.CandidateId
		rf.persist() // before the reply leaves (Figure 2, persistent state)
		rf.resetElectionTimer()
		reply.VoteGranted = true
	}
}
