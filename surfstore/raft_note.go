//solution:file S3

package surfstore

import (
	"fmt"
	"net"

	"distlabs/labrpc"
)

// noted is the state a RaftSurfstore shows on a test's timeline page.
type noted struct {
	status         ServerStatus
	crashed        bool
	term           int64
	commit, logLen int64
}

// timelineName is the name the timeline gives this server's lane: the
// host part of its address, as labrpc streams name their ends.
func timelineName(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// noteState records this server's role, term, commit index and log length
// on the test's timeline (a band on its lane) when any of them changed
// since the last note, so a page shows which server led in which term and
// where commit indexes stalled. A no-op unless the run is recorded (the
// CLIs never are). Caller holds mu.
func (s *RaftSurfstore) noteState() {
	if !labrpc.Recording() {
		return
	}
	n := noted{s.status, s.crashed, s.term, s.commitIndex, int64(len(s.log))}
	if n == s.noted {
		return
	}
	s.noted = n
	role := "follower"
	switch {
	case n.crashed:
		role = "crashed"
	case n.status == ServerStatus_LEADER:
		role = "leader"
	}
	labrpc.NoteNode(s.name, fmt.Sprintf("%s term=%d commit=%d log=%d", role, n.term, n.commit, n.logLen))
}
