package raft

// Log compaction (§7, Figure 13).

// Snapshot tells Raft that the service has applied everything through index
// and saved its state in snapshot, so Raft may discard the log up to and
// including index. Stale calls (index not beyond the current snapshot) are
// ignored.
func (rf *Raft) Snapshot(index int, snapshot []byte) {
	//solution:begin 2D
	rf.mu.Lock()
	defer rf.mu.Unlock()
	if index <= rf.snapIndex || index > rf.commitIndex {
		return
	}
	rf.compactTo(index, rf.termAt(index))
	rf.snapshot = clone(snapshot)
	rf.persistWithSnapshot()
	//solution:stub
	// // Your code here (2D).
	//solution:end
}

// CondInstallSnapshot is kept for 2021/2022 harnesses, which call it when a
// snapshot arrives on applyCh. Raft installs snapshots before delivering
// them, so the service may always switch to it: it returns true.
func (rf *Raft) CondInstallSnapshot(lastIncludedTerm int, lastIncludedIndex int, snapshot []byte) bool {
	return true
}

//solution:begin 2D

// compactTo makes the entry at index (term) the new sentinel log[0], keeping
// the entries after it if they are in the log. Caller holds mu.
func (rf *Raft) compactTo(index, term int) {
	var rest []LogEntry
	if index < rf.lastLogIndex() && rf.termAt(index) == term {
		rest = rf.log[index-rf.snapIndex+1:]
	}
	// Copy so the discarded prefix can be garbage collected.
	log := make([]LogEntry, 1, 1+len(rest))
	log[0] = LogEntry{Term: term}
	rf.log = append(log, rest...)
	rf.snapIndex = index
}

// snapshotArgs builds the InstallSnapshot request. Caller holds mu.
func (rf *Raft) snapshotArgs() *InstallSnapshotArgs {
	return &InstallSnapshotArgs{
		Term:              rf.currentTerm,
		LeaderId:          rf.me,
		LastIncludedIndex: rf.snapIndex,
		LastIncludedTerm:  rf.log[0].Term,
		Data:              rf.snapshot,
	}
}

func (rf *Raft) sendSnapshot(p int, args *InstallSnapshotArgs) {
	var reply InstallSnapshotReply
	ok := rf.peers[p].Call("Raft.InstallSnapshot", args, &reply)
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
	if rf.role != leader || rf.currentTerm != args.Term {
		return
	}
	if args.LastIncludedIndex > rf.matchIndex[p] {
		rf.matchIndex[p] = args.LastIncludedIndex
	}
	if args.LastIncludedIndex+1 > rf.nextIndex[p] {
		rf.nextIndex[p] = args.LastIncludedIndex + 1
	}
	if rf.nextIndex[p] <= rf.lastLogIndex() {
		rf.triggerPeer(p)
	}
}

// installSnapshot implements the InstallSnapshot RPC (Figure 13).
func (rf *Raft) installSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	reply.Term = rf.currentTerm
	if args.Term < rf.currentTerm {
		return
	}
	rf.becomeFollower(args.Term)
	reply.Term = rf.currentTerm
	rf.resetElectionTimer()

	// Nothing to do if this peer already has (committed) everything the
	// snapshot covers: installing it would move the service backwards.
	if args.LastIncludedIndex <= rf.commitIndex {
		return
	}
	rf.compactTo(args.LastIncludedIndex, args.LastIncludedTerm)
	rf.snapshot = clone(args.Data)
	rf.persistWithSnapshot()

	rf.commitIndex = args.LastIncludedIndex
	rf.noteState()
	rf.pendingSnap = true
	rf.pendingSnapIndex = args.LastIncludedIndex
	rf.pendingSnapTerm = args.LastIncludedTerm
	rf.pendingSnapData = clone(args.Data)
	rf.applyCond.Broadcast()
}

//solution:end
