//solution:file A

package coord

import (
	"time"

	"distlabs/raft"
)

// Timing of the servers, in the service's (virtual, in tests) time.
const (
	// leaderCheckInterval is how often a waiting request asks Raft
	// whether this server still leads in the term it started the entry.
	leaderCheckInterval = 50 * time.Millisecond
	// maxApplyWait bounds the wait: a leader cut off in a minority keeps
	// believing it leads, and only a bound sends the Clerk elsewhere.
	maxApplyWait = 1 * time.Second
	// tickInterval is how often the leader logs the time. Session expiry
	// is decided when a tick is applied, so it is this coarse.
	tickInterval = 200 * time.Millisecond
)

// tickEntry is the leader's clock reading, logged so that every replica
// expires the same sessions at the same point of the log.
type tickEntry struct {
	Time int64 // nanoseconds, the leader's time.Now
	Term int   // the leader's term when it logged the tick
}

// A waiter is a request waiting for the entry it started to be applied.
type waiter struct {
	args  OpArgs
	index int
	// ch receives exactly one reply; buffered so that the applier never
	// blocks on a request that has already given up.
	ch chan OpReply
}

// submit starts a request in Raft and waits until it is applied,
// leadership is lost, another entry takes its index, or maxApplyWait
// passes. s.mu is never held while calling Raft.
func (s *Server) submit(args OpArgs) OpReply {
	wrong := OpReply{Err: ErrWrongLeader}
	if s.dead.Load() {
		return wrong
	}
	index, term, isLeader := s.rf.Start(args)
	if !isLeader {
		return wrong
	}
	w := &waiter{args: args, index: index, ch: make(chan OpReply, 1)}
	s.mu.Lock()
	if s.lastApplied >= index {
		// Applied before we could register: the Clerk retries, and the
		// duplicate table answers.
		s.mu.Unlock()
		return wrong
	}
	s.waiters[index] = append(s.waiters[index], w)
	s.mu.Unlock()
	defer s.dropWaiter(w)

	deadline := time.Now().Add(maxApplyWait)
	tick := time.NewTicker(leaderCheckInterval)
	defer tick.Stop()
	for {
		select {
		case r := <-w.ch:
			return r
		case <-s.done:
			return wrong
		case <-tick.C:
			if cur, still := s.rf.GetState(); cur != term || !still || time.Now().After(deadline) {
				return wrong
			}
		}
	}
}

// dropWaiter unregisters w if the applier has not already taken it.
func (s *Server) dropWaiter(w *waiter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ws := s.waiters[w.index]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(s.waiters, w.index)
	} else {
		s.waiters[w.index] = ws
	}
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
			if term, leader := s.rf.GetState(); leader {
				s.rf.Start(tickEntry{Time: time.Now().UnixNano(), Term: term})
			}
		}
	}
}

// applier is the only goroutine that changes the state machine. It runs
// until Kill.
func (s *Server) applier() {
	for {
		select {
		case <-s.done:
			return
		case msg := <-s.applyCh:
			switch {
			case msg.CommandValid:
				s.applyCommand(msg)
			case msg.SnapshotValid:
				s.installSnapshot(msg)
			}
		}
	}
}

// applyCommand applies one committed entry, answers the requests waiting
// on its index, and snapshots if the Raft state has grown too large.
func (s *Server) applyCommand(msg raft.ApplyMsg) {
	s.mu.Lock()
	if msg.CommandIndex <= s.lastApplied {
		// Already covered by a snapshot we installed.
		s.mu.Unlock()
		return
	}
	s.lastApplied = msg.CommandIndex
	args, isOp := msg.Command.(OpArgs)
	var r OpReply
	switch c := msg.Command.(type) {
	case OpArgs:
		r = s.state.apply(int64(msg.CommandIndex), c)
	case tickEntry:
		s.state.Zxid = int64(msg.CommandIndex)
		s.state.tick(c.Time, c.Term)
	}
	ws := s.waiters[msg.CommandIndex]
	delete(s.waiters, msg.CommandIndex)
	snapshot := s.snapshotIfNeeded()
	s.mu.Unlock()

	for _, w := range ws {
		if isOp && w.args.Session == args.Session && w.args.Seq == args.Seq && w.args.Kind == args.Kind {
			w.ch <- r
		} else {
			// Another entry committed at this index: the request's entry
			// was overwritten by another leader.
			w.ch <- OpReply{Err: ErrWrongLeader}
		}
	}
	if snapshot != nil {
		s.rf.Snapshot(msg.CommandIndex, snapshot)
	}
}

// takeWaitersThrough removes and returns every waiter at an index <=
// index; s.mu must be held.
func (s *Server) takeWaitersThrough(index int) []*waiter {
	var out []*waiter
	for i, ws := range s.waiters {
		if i <= index {
			out = append(out, ws...)
			delete(s.waiters, i)
		}
	}
	return out
}
