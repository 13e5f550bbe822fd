package labrpc

import (
	"fmt"
	"time"
)

// Outcome says what happened to one message.
type Outcome int

// The outcomes a trace event can report.
const (
	Delivered      Outcome = iota // the handler ran and its reply reached the caller
	DeliveredLate                 // delivered after a long-reordering delay
	RequestDropped                // lost before the handler ran
	ReplyDropped                  // the handler ran, its reply was lost
	Unreachable                   // end unconnected, or no such server
	Disabled                      // end disabled (Enable(false) or cut off by Partition)
	ServerDead                    // the server was deleted (or the end disabled) while the call was in flight
)

// String returns the outcome's name as trace lines show it.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case DeliveredLate:
		return "delivered-late"
	case RequestDropped:
		return "request-dropped"
	case ReplyDropped:
		return "reply-dropped"
	case Unreachable:
		return "unreachable"
	case Disabled:
		return "disabled"
	case ServerDead:
		return "server-dead"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// An Event describes one RPC as the network saw it. For streams, Method is
// "write" and Size the bytes of one Write.
type Event struct {
	Time    time.Time // when the outcome was decided (virtual time inside a bubble)
	From    string    // end name (for streams, the writing side's address)
	To      string    // server name (for streams, the reading side's address)
	Method  string    // "Service.Method"
	Seq     uint64    // the message's sequence number on its link, from 1
	Size    int       // request bytes
	Outcome Outcome
}

// String formats the event as one trace line.
func (e Event) String() string {
	return fmt.Sprintf("%s %s -> %s %s #%d %dB %s",
		e.Time.Format("15:04:05.000000"), e.From, e.To, e.Method, e.Seq, e.Size, e.Outcome)
}

// SetTrace installs fn to receive one Event per message, or removes the
// sink when fn is nil. fn is called from the calling goroutines, possibly at
// the same time, so it must be safe for concurrent use. Tracing is off by
// default and costs one atomic load per message then.
func (rn *Network) SetTrace(fn func(Event)) {
	if fn == nil {
		rn.trace.Store(nil)
		return
	}
	rn.trace.Store(&fn)
}

// msgTrace is what the trace sink and the timeline learn about one
// message. The caller fills in the timeline's fields only when tl is set,
// so an unrecorded message costs one atomic load.
type msgTrace struct {
	tl       *Timeline   // nil when the run is not recorded
	from, to interface{} // end and server names; for streams, Addrs
	method   string
	seq      uint64
	size     int
	// Timeline offsets: sent, handler started (recv) and returned (back);
	// -1 for a point the message never reached.
	sent, recv, back time.Duration
	args, reply      string
}

func (rn *Network) emit(m *msgTrace, o Outcome) {
	if p := rn.trace.Load(); p != nil {
		(*p)(Event{Time: time.Now(), From: fmt.Sprint(m.from), To: fmt.Sprint(m.to),
			Method: m.method, Seq: m.seq, Size: m.size, Outcome: o})
	}
	if m.tl == nil {
		return
	}
	text := m.args
	if m.back >= 0 {
		text += " => " + m.reply
	}
	m.tl.add(TimelineEvent{Kind: KindMessage, At: m.sent, Recv: m.recv, Back: m.back, Done: m.tl.since(),
		From: lane(m.from), To: lane(m.to), Method: m.method, Outcome: o, Size: m.size, Text: text})
}

// lane names the timeline lane of a message's end: a stream's host, or an
// end or server name.
func lane(x interface{}) string {
	if a, ok := x.(Addr); ok {
		return a.Host
	}
	return fmt.Sprint(x)
}
