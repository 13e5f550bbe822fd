//solution:file A

package coord

import "sort"

// session is a client session in the replicated state.
type session struct {
	Timeout  int64 // nanoseconds without a request before it expires
	LastSeen int64 // the service clock (tree.Now) at its latest request
	// Seq and Reply are the duplicate table: the latest request applied
	// and its reply.
	Seq   int64
	Reply OpReply
	// Events are the fired watches the Clerk has not yet acknowledged;
	// NextEvent numbers the next one.
	Events     []WatchEvent
	NextEvent  int64
	Ephemerals map[string]bool
}

// open starts a session under the id its Clerk chose. Opening a live
// session again (a retry) is harmless; an ended one stays ended.
func (t *tree) open(a OpArgs) OpReply {
	if e, over := t.Ended[a.Session]; over {
		return OpReply{Err: e}
	}
	if s, ok := t.Sessions[a.Session]; ok {
		s.LastSeen = t.Now
		return OpReply{Err: OK}
	}
	t.Sessions[a.Session] = &session{
		Timeout:    a.Timeout,
		LastSeen:   t.Now,
		NextEvent:  1,
		Ephemerals: map[string]bool{},
	}
	return OpReply{Err: OK}
}

// push appends a fired watch to the session's queue.
func (s *session) push(id int64, typ EventType, path string) {
	s.Events = append(s.Events, WatchEvent{Seq: s.NextEvent, Watch: id, Type: typ, Path: path})
	s.NextEvent++
}

// poll drops the events the Clerk has acknowledged and returns the rest.
// The queue lives in the replicated state, so an event fired before a
// leader change is still delivered after it.
func (s *session) poll(acked int64) OpReply {
	i := 0
	for i < len(s.Events) && s.Events[i].Seq <= acked {
		i++
	}
	s.Events = s.Events[i:]
	return OpReply{Err: OK, Events: append([]WatchEvent(nil), s.Events...)}
}

// tick advances the service clock to a leader's time and expires the
// sessions that have been silent longer than their timeout. The first
// tick of a new term restarts every session's timer, as ZooKeeper does
// after a leader election: clients could not reach the service while it
// had no leader, and that must not cost them their sessions.
func (t *tree) tick(now int64, term int) {
	if now > t.Now {
		t.Now = now
	}
	//solution:begin B
	if term > t.TickTerm {
		t.TickTerm = term
		for _, s := range t.Sessions {
			s.LastSeen = t.Now
		}
		return
	}
	var expired []int64
	for id, s := range t.Sessions {
		if t.Now-s.LastSeen > s.Timeout {
			expired = append(expired, id)
		}
	}
	// In id order: ending a session fires other sessions' watches, and
	// every replica must queue them in the same order.
	sort.Slice(expired, func(i, j int) bool { return expired[i] < expired[j] })
	for _, id := range expired {
		t.end(id, errSessionExpired)
	}
	//solution:end
}
