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

func (rn *Network) emit(from, to interface{}, method string, seq uint64, size int, o Outcome) {
	p := rn.trace.Load()
	if p == nil {
		return
	}
	(*p)(Event{Time: time.Now(), From: fmt.Sprint(from), To: fmt.Sprint(to),
		Method: method, Seq: seq, Size: size, Outcome: o})
}
