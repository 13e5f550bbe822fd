//solution:file 2A

package raft

import "time"

// Heartbeats (2A) and log replication (2B): Figure 2 (AppendEntries, "Rules
// for Servers: Leaders"), §5.3 (log matching and fast back-up), §5.4.2
// (commit only current-term entries by counting replicas). The 2A part is
// the heartbeat: the same replicators and RPCs, carrying the term only.

// triggerAll wakes every replicator. Caller holds mu; the sends never block.
func (rf *Raft) triggerAll() {
	for p := range rf.peers {
		if p != rf.me {
			rf.triggerPeer(p)
		}
	}
}

func (rf *Raft) triggerPeer(p int) {
	select {
	case rf.trigger[p] <- struct{}{}:
	default: // already triggered
	}
}

// replicator owns the leader's traffic to peer p for this peer's lifetime:
// a heartbeat every heartbeatInterval, and an immediate AppendEntries (or
// InstallSnapshot) when triggered by Start, a new leadership or a reply that
// calls for more. Each RPC runs in its own goroutine so one slow or lost RPC
// never delays the heartbeats.
func (rf *Raft) replicator(p int) {
	defer rf.wg.Done()
	hb := time.NewTimer(heartbeatInterval)
	defer hb.Stop()
	for {
		heartbeat := false
		select {
		case <-rf.killCh:
			return
		case <-rf.trigger[p]:
		case <-hb.C:
			heartbeat = true
		}
		rf.mu.Lock()
		if rf.role != leader {
			rf.mu.Unlock()
			hb.Reset(heartbeatInterval)
			continue
		}
		if !heartbeat && rf.inflight[p] > 0 {
			// Coalesce: the reply to the outstanding RPC re-triggers.
			rf.pending[p] = true
			rf.mu.Unlock()
			continue
		}
		rf.pending[p] = false
		rf.inflight[p]++
		if rf.nextIndex[p] <= rf.snapIndex {
			//solution:begin 2D
			args := rf.snapshotArgs()
			rf.mu.Unlock()
			go rf.sendSnapshot(p, args)
			//solution:stub
			// rf.inflight[p]-- // no snapshots before 2D
			// rf.mu.Unlock()
			//solution:end
		} else {
			args := rf.appendArgs(p)
			rf.mu.Unlock()
			go rf.sendAppend(p, args)
		}
		hb.Reset(heartbeatInterval)
	}
}

// appendArgs builds the AppendEntries request for peer p from nextIndex[p],
// which must be above snapIndex. Caller holds mu.
func (rf *Raft) appendArgs(p int) *AppendEntriesArgs {
	//solution:begin 2B
	prev := rf.nextIndex[p] - 1
	entries := make([]LogEntry, rf.lastLogIndex()-prev)
	copy(entries, rf.log[prev+1-rf.snapIndex:])
	return &AppendEntriesArgs{
		Term:         rf.currentTerm,
		LeaderId:     rf.me,
		PrevLogIndex: prev,
		PrevLogTerm:  rf.termAt(prev),
		Entries:      entries,
		LeaderCommit: rf.commitIndex,
	}
	//solution:stub
	// // Your code here (2B): the entries from nextIndex[p] on, with the
	// // PrevLogIndex/PrevLogTerm they follow and the commit index.
	// return &AppendEntriesArgs{Term: rf.currentTerm, LeaderId: rf.me} // a heartbeat
	//solution:end
}

// replyDone finishes the bookkeeping of one RPC to p. Caller holds mu.
func (rf *Raft) replyDone(p int) {
	rf.inflight[p]--
	if rf.pending[p] {
		rf.pending[p] = false
		rf.triggerPeer(p)
	}
}

func (rf *Raft) sendAppend(p int, args *AppendEntriesArgs) {
	var reply AppendEntriesReply
	ok := rf.peers[p].Call("Raft.AppendEntries", args, &reply)
	rf.mu.Lock()
	defer rf.mu.Unlock()
	defer rf.replyDone(p)
	if !ok || rf.killed() {
		return
	}
	if reply.Term > rf.currentTerm {
		rf.becomeFollower(reply.Term)
		return
	}
	// A reply from an earlier term, or to a leadership since lost, says
	// nothing about the current one.
	if rf.role != leader || rf.currentTerm != args.Term {
		return
	}
	//solution:begin 2B
	if reply.Success {
		// Derive progress from what was sent, not from the log now: this
		// may be an old reply overtaken by later RPCs (Students' Guide).
		match := args.PrevLogIndex + len(args.Entries)
		if match > rf.matchIndex[p] {
			rf.matchIndex[p] = match
			rf.advanceCommit()
		}
		if match+1 > rf.nextIndex[p] {
			rf.nextIndex[p] = match + 1
		}
		return
	}
	// Back up past the whole conflicting term at once (§5.3).
	next := reply.XLen
	if reply.XTerm != -1 {
		next = reply.XIndex
		for i := rf.lastLogIndex(); i > rf.snapIndex; i-- {
			if t := rf.termAt(i); t == reply.XTerm {
				next = i + 1
				break
			} else if t < reply.XTerm {
				break
			}
		}
	}
	if next <= rf.matchIndex[p] {
		next = rf.matchIndex[p] + 1 // a stale rejection never undoes a match
	}
	if next > rf.lastLogIndex()+1 {
		next = rf.lastLogIndex() + 1
	}
	if next < 1 {
		next = 1
	}
	if next < rf.nextIndex[p] {
		// Retry at once only on progress: a peer that keeps rejecting
		// the same way is retried at heartbeat pace, not in a hot loop.
		rf.nextIndex[p] = next
		rf.triggerPeer(p)
	}
	//solution:stub
	// // Your code here (2B): on success advance matchIndex[p], nextIndex[p]
	// // and the commit index; on a rejection move nextIndex[p] back.
	//solution:end
}

//solution:begin 2B

// advanceCommit moves commitIndex to the highest index stored on a majority
// whose entry is from the current term; earlier-term entries commit
// indirectly (§5.4.2, Figure 8). Caller holds mu and is the leader.
func (rf *Raft) advanceCommit() {
	for n := rf.lastLogIndex(); n > rf.commitIndex && n > rf.snapIndex; n-- {
		if rf.termAt(n) != rf.currentTerm {
			break // earlier entries are from earlier terms too
		}
		count := 0
		for p := range rf.peers {
			if rf.matchIndex[p] >= n {
				count++
			}
		}
		if count*2 > len(rf.peers) {
			rf.commitIndex = n
			rf.noteState()
			rf.applyCond.Broadcast()
			rf.triggerAll() // tell followers promptly
			return
		}
	}
}

//solution:end

// appendEntries implements the AppendEntries RPC (Figure 2).
func (rf *Raft) appendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	// A valid leader for this term exists: candidates step down too.
	rf.becomeFollower(args.Term)
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()

	//solution:begin 2B
	prev, prevTerm, entries := args.PrevLogIndex, args.PrevLogTerm, args.Entries
	if prev < rf.snapIndex {
		// The snapshot covers part of the request; those entries are
		// committed and therefore match. Skip them.
		skip := rf.snapIndex - prev
		if skip >= len(entries) {
			reply.Success = true
			return
		}
		entries = entries[skip:]
		prev, prevTerm = rf.snapIndex, rf.termAt(rf.snapIndex)
	}
	if prev > rf.lastLogIndex() {
		reply.XTerm = -1
		reply.XLen = rf.lastLogIndex() + 1
		return
	}
	if t := rf.termAt(prev); t != prevTerm {
		reply.XTerm = t
		i := prev
		for i-1 > rf.snapIndex && rf.termAt(i-1) == t {
			i--
		}
		reply.XIndex = i
		return
	}

	// Append what is new; truncate only on a real conflict, never on a
	// stale shorter request (Figure 2, AppendEntries step 3).
	changed := false
	for i, e := range entries {
		idx := prev + 1 + i
		if idx <= rf.lastLogIndex() {
			if rf.termAt(idx) == e.Term {
				continue
			}
			rf.log = rf.log[:idx-rf.snapIndex]
		}
		rf.log = append(rf.log, entries[i:]...)
		changed = true
		break
	}
	if changed {
		rf.persist() // before the reply leaves
	}
	reply.Success = true

	if args.LeaderCommit > rf.commitIndex {
		c := min(args.LeaderCommit, prev+len(entries))
		if c > rf.commitIndex {
			rf.commitIndex = c
			rf.applyCond.Broadcast()
		}
	}
	rf.noteState() // the log or the commit index may have changed
	//solution:stub
	// // Your code here (2B): check that the log matches at PrevLogIndex,
	// // append the new entries and follow the leader's commit index.
	// reply.Success = true
	//solution:end
}
