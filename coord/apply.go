//solution:file A

package coord

import (
	"time"
)

// tickInterval is how often the leader logs the time. Session expiry is
// decided when a tick is applied, so it is this coarse.
const tickInterval = 200 * time.Millisecond

// tickEntry is the leader's clock reading, logged so that every replica
// expires the same sessions at the same point of the log.
type tickEntry struct {
	Time int64 // nanoseconds, the leader's time.Now
	Term int   // the leader's term when it logged the tick
}

// submit puts a request through the log (distlabs/internal/rsm: propose,
// wait for the entry to be applied, give up on a lost leadership) and
// returns its reply.
func (s *Server) submit(args OpArgs) OpReply {
	v, ok := s.rsm.Submit(args)
	if !ok {
		return OpReply{Err: ErrWrongLeader}
	}
	return v.(OpReply)
}

// ticker logs the leader's time every tickInterval until Kill.
func (s *Server) ticker() {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if term, leader := s.rsm.Term(); leader {
				// Waits for the tick to apply (or up to a second): a
				// leader that cannot commit has no business ticking.
				s.rsm.Submit(tickEntry{Time: time.Now().UnixNano(), Term: term})
			}
		}
	}
}

// machine is the Server seen as an rsm.StateMachine; a separate type
// keeps Apply, Snapshot and Restore out of the Server's RPC methods.
type machine struct{ s *Server }

// Apply executes one committed request or tick. The zxid is a count of
// applied entries: increasing and the same on every replica.
func (m machine) Apply(command any) any {
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	t := m.s.state
	switch c := command.(type) {
	case OpArgs:
		return t.apply(t.Zxid+1, c)
	case tickEntry:
		t.Zxid++
		t.tick(c.Time, c.Term)
	}
	return nil
}

// Snapshot encodes the whole state machine.
func (m machine) Snapshot() []byte {
	//solution:begin D
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	return encodeTree(m.s.state)
	//solution:stub
	// // Your code here (D).
	// return nil
	//solution:end
}

// Restore replaces the state machine with a decoded Snapshot.
func (m machine) Restore(data []byte) {
	//solution:begin D
	t := decodeTree(data)
	m.s.mu.Lock()
	defer m.s.mu.Unlock()
	m.s.state = t
	//solution:stub
	// // Your code here (D).
	//solution:end
}
