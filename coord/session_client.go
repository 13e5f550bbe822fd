//solution:file A

package coord

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// Timing of a Clerk.
const (
	// retryPause is how long a Clerk waits after every server in turn
	// has failed a request: without it a Clerk would spin on instant
	// refusals, and in virtual time a spinning goroutine keeps the clock
	// from reaching the next election.
	retryPause = 20 * time.Millisecond
	// heartbeatsPerTimeout is how many polls a Clerk sends per session
	// timeout: a few lost ones must not expire a live session.
	heartbeatsPerTimeout = 5
	// closeTries bounds how long Close tries to reach a server.
	closeTries = 2 * time.Second
)

// newSessionID returns a random positive 62-bit id. The Clerk chooses it
// so that a retried Open is recognised as the same session.
func newSessionID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("coord: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:])>>2) | 1
}

// do runs one operation of the session, after the previous ones. With
// watch it registers the channel a watch set by the operation fires on
// before sending, since the event can arrive before the reply does.
func (ck *Clerk) do(a OpArgs, watch bool) (OpReply, error) {
	r, _, err := ck.run(a, watch)
	return r, err
}

// doWatch runs an operation that sets a watch and returns the watch's
// channel. GetW and ChildrenW on a missing node set none.
func (ck *Clerk) doWatch(a OpArgs) (OpReply, <-chan Event, error) {
	a.Watch = true
	return ck.run(a, true)
}

// run takes the turn, numbers the operation and sends it until some
// leader answers or the session is over.
func (ck *Clerk) run(a OpArgs, watch bool) (OpReply, <-chan Event, error) {
	select {
	case ck.turn <- struct{}{}:
	case <-ck.done:
		return OpReply{}, nil, ck.ended()
	}
	defer func() { <-ck.turn }()
	ck.seq++
	a.Session, a.Seq = ck.id, ck.seq
	var ch chan Event
	if watch {
		ch = make(chan Event, 1)
		ck.mu.Lock()
		if ck.over == nil {
			ck.watches[a.Seq] = ch
		}
		ck.mu.Unlock()
	}
	r := ck.call(a, nil)
	if r.Err == errSessionExpired || r.Err == errClosed {
		ck.finish(errOf(r.Err))
	}
	if err := ck.ended(); err != nil {
		return OpReply{}, nil, err
	}
	if watch && r.Err != OK {
		// GetW and ChildrenW on a missing node set no watch.
		ck.mu.Lock()
		delete(ck.watches, a.Seq)
		ck.mu.Unlock()
	}
	return r, ch, errOf(r.Err)
}

// call sends a request to the servers in turn until one answers it as
// leader, the session is over (for an operation), or stop says so.
func (ck *Clerk) call(a OpArgs, stop func() bool) OpReply {
	for failures := 0; ; failures++ {
		ck.mu.Lock()
		i := ck.leader
		over := ck.over
		ck.mu.Unlock()
		if over != nil && a.Kind != OpClose {
			return OpReply{Err: errClosed}
		}
		var r OpReply
		if ck.servers[i].Call("Server.Do", &a, &r) && r.Err != ErrWrongLeader {
			return r
		}
		ck.mu.Lock()
		if ck.leader == i {
			ck.leader = (i + 1) % len(ck.servers)
		}
		ck.mu.Unlock()
		if (failures+1)%len(ck.servers) == 0 {
			if stop != nil && stop() {
				return OpReply{Err: ErrWrongLeader}
			}
			time.Sleep(retryPause)
		}
	}
}

// heartbeat polls the service until the session is over: each poll
// keeps the session alive and collects the events of fired watches.
func (ck *Clerk) heartbeat() {
	interval := ck.timeout / heartbeatsPerTimeout
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ck.done:
			return
		case <-t.C:
		}
		ck.mu.Lock()
		acked := ck.delivered
		ck.mu.Unlock()
		r := ck.call(OpArgs{Kind: OpPoll, Session: ck.id, Acked: acked}, ck.isOver)
		switch r.Err {
		case OK:
			ck.deliver(r.Events)
		case errSessionExpired, errClosed:
			ck.finish(errOf(r.Err))
		}
	}
}

// deliver fires the watches of new events, each once.
func (ck *Clerk) deliver(evs []WatchEvent) {
	type firing struct {
		ch chan Event
		ev Event
	}
	var fire []firing
	ck.mu.Lock()
	for _, e := range evs {
		if e.Seq <= ck.delivered {
			continue
		}
		ck.delivered = e.Seq
		if ch, ok := ck.watches[e.Watch]; ok {
			delete(ck.watches, e.Watch)
			fire = append(fire, firing{ch, Event{Type: e.Type, Path: e.Path}})
		}
	}
	ck.mu.Unlock()
	for _, f := range fire {
		f.ch <- f.ev // buffered, and each channel gets one event
	}
}

// finish ends the session on the Clerk's side with why (ErrClosed or
// ErrSessionExpired): pending watches fire with EventNotWatching and the
// heartbeat stops. It reports whether this call ended it.
func (ck *Clerk) finish(why error) bool {
	ck.mu.Lock()
	if ck.over != nil {
		ck.mu.Unlock()
		return false
	}
	ck.over = why
	pending := ck.watches
	ck.watches = map[int64]chan Event{}
	ck.mu.Unlock()
	close(ck.done)
	for _, ch := range pending {
		ch <- Event{Type: EventNotWatching, Err: why}
	}
	return true
}

// ended returns why the session is over, or nil.
func (ck *Clerk) ended() error {
	ck.mu.Lock()
	defer ck.mu.Unlock()
	return ck.over
}

// isOver reports whether the session is over (a stop for call).
func (ck *Clerk) isOver() bool { return ck.ended() != nil }
