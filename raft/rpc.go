package raft

// The RPC wire contract. Peers call each other through labrpc as
// "Raft.RequestVote", "Raft.AppendEntries" and "Raft.InstallSnapshot", with
// the argument and reply types below. The field names are those of Figure 2
// and Figure 13 of the extended Raft paper.
//
// The targeted tests (rules_paper_test.go) act as scripted peers on the simulated
// network, so they rely on these method names and on the Figure 2 fields.
// You may add fields, but keep the ones declared here and their meaning.

// LogEntry is one entry of the replicated log.
type LogEntry struct {
	Term    int         // term in which a leader created the entry
	Command interface{} // the service's command
}

// RequestVoteArgs is the RequestVote request (Figure 2).
type RequestVoteArgs struct {
	Term         int // candidate's term
	CandidateId  int // candidate requesting the vote
	LastLogIndex int // index of candidate's last log entry (§5.4)
	LastLogTerm  int // term of candidate's last log entry (§5.4)
}

// RequestVoteReply is the RequestVote reply (Figure 2).
type RequestVoteReply struct {
	Term        int  // currentTerm, for the candidate to update itself
	VoteGranted bool // true means the candidate received the vote
}

// AppendEntriesArgs is the AppendEntries request (Figure 2); with no
// entries it is a heartbeat.
type AppendEntriesArgs struct {
	Term         int        // leader's term
	LeaderId     int        // so followers can redirect clients
	PrevLogIndex int        // index of log entry immediately preceding new ones
	PrevLogTerm  int        // term of the PrevLogIndex entry
	Entries      []LogEntry // entries to store (empty for heartbeat)
	LeaderCommit int        // leader's commitIndex
}

// AppendEntriesReply is the AppendEntries reply (Figure 2) plus the
// accelerated log backtracking hints of §5.3 ("the follower can include the
// term of the conflicting entry and the first index it stores for that term").
type AppendEntriesReply struct {
	Term    int  // currentTerm, for the leader to update itself
	Success bool // follower contained an entry matching PrevLogIndex/PrevLogTerm

	XTerm  int // term of the conflicting entry, or -1 if the follower's log is too short
	XIndex int // first index the follower stores for XTerm
	XLen   int // when XTerm == -1: the index the leader should try next
}

// InstallSnapshotArgs is the InstallSnapshot request (Figure 13), sent in one
// piece (no offset/done chunking).
type InstallSnapshotArgs struct {
	Term              int    // leader's term
	LeaderId          int    // so followers can redirect clients
	LastIncludedIndex int    // the snapshot replaces all entries up through this index
	LastIncludedTerm  int    // term of LastIncludedIndex
	Data              []byte // the snapshot
}

// InstallSnapshotReply is the InstallSnapshot reply (Figure 13).
type InstallSnapshotReply struct {
	Term int // currentTerm, for the leader to update itself
}

// The handlers. labrpc dispatches "Raft.<Method>" to these; in the handout
// they exist (doing nothing) so that peers and the targeted tests can call
// them from the start.

// RequestVote is the RequestVote RPC handler.
func (rf *Raft) RequestVote(args *RequestVoteArgs, reply *RequestVoteReply) {
	//solution:begin 2A
	rf.requestVote(args, reply)
	//solution:stub
	// // Your code here (2A, 2B).
	//solution:end
}

// AppendEntries is the AppendEntries RPC handler.
func (rf *Raft) AppendEntries(args *AppendEntriesArgs, reply *AppendEntriesReply) {
	//solution:begin 2A
	rf.appendEntries(args, reply)
	//solution:stub
	// // Your code here (2A, 2B).
	//solution:end
}

// InstallSnapshot is the InstallSnapshot RPC handler.
func (rf *Raft) InstallSnapshot(args *InstallSnapshotArgs, reply *InstallSnapshotReply) {
	//solution:begin 2D
	rf.installSnapshot(args, reply)
	//solution:stub
	// // Your code here (2D).
	//solution:end
}
