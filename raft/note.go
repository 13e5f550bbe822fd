//solution:file 2A

package raft

import "fmt"

// noted is the state a peer shows on a test's timeline page.
type noted struct {
	role                 role
	term, commit, logLen int
}

// String names a role as the timeline shows it.
func (r role) String() string {
	switch r {
	case follower:
		return "follower"
	case candidate:
		return "candidate"
	case leader:
		return "leader"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// noteState records this peer's role, term, commit index and log length
// on the test's timeline (a band on its lane) when any of them changed
// since the last note, so a page shows who led in which term and where
// commit indexes stalled. A no-op unless the run is recorded, so the hot
// paths that call it pay only the check. Caller holds mu.
func (rf *Raft) noteState() {
	self := rf.peers[rf.me]
	if !self.Tracing() {
		return
	}
	s := noted{rf.role, rf.currentTerm, rf.commitIndex, rf.lastLogIndex()}
	if s == rf.noted {
		return
	}
	rf.noted = s
	self.Note(fmt.Sprintf("%s term=%d commit=%d log=%d", s.role, s.term, s.commit, s.logLen))
}
