package labrpc

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Kind says what a TimelineEvent records.
type Kind uint8

// The kinds of timeline events.
const (
	KindMessage   Kind = iota // one RPC, or one write on a stream
	KindNote                  // a node's state, from the code under test (ClientEnd.Note)
	KindStep                  // a step of the test ("partition [0 1] [2]", "crash raft-3")
	KindLink                  // an end enabled, disabled or connected
	KindServer                // a server added to or deleted from the network
	KindPartition             // Partition or Heal
	KindStream                // a stream connection opened, closed or reset
)

// String returns the kind's name as the timeline page shows it.
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindNote:
		return "note"
	case KindStep:
		return "step"
	case KindLink:
		return "link"
	case KindServer:
		return "server"
	case KindPartition:
		return "partition"
	case KindStream:
		return "stream"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// A TimelineEvent is one thing a Timeline saw. Times are offsets from the
// timeline's start (virtual time inside a bubble).
type TimelineEvent struct {
	Kind Kind
	At   time.Duration // when it happened; for a message, when it was sent
	// Messages only: when the request reached the handler (or the bytes
	// became readable), when the handler returned, and when the outcome
	// was decided. Recv and Back are -1 for a message that never got there.
	Recv, Back, Done time.Duration
	From             string // message: end name (stream: host); note: node; link: end name
	To               string // message and link: server name (stream: host)
	Method           string // message: "Service.Method" or "write"
	Outcome          Outcome
	Size             int    // message: request bytes
	Text             string // message: args => reply; note: state; step: text; link: "up", "down", "connect"
}

// DefaultTimelineEvents is how many events a Timeline keeps unless told
// otherwise: enough for the longest nemesis test of the course, small
// enough that its page stays a few megabytes.
const DefaultTimelineEvents = 40000

// textLimit bounds the rendering of a message's args and reply, which is
// for recognising a message, not for reading a log from the page.
const textLimit = 60

// A Timeline records what happens on the networks attached to it (messages,
// links, servers, partitions, streams), the test's steps and the nodes'
// own notes, for the Lamport-diagram page of test/timeline. It keeps the
// newest events only, up to its limit, and counts the ones it let go. A
// Timeline is safe for concurrent use; recording takes its own mutex and
// never blocks on anything else, so code may record while holding its locks.
type Timeline struct {
	start time.Time
	limit int

	mu      sync.Mutex
	buf     []TimelineEvent // ring: buf[total%limit] is the next slot once full
	total   uint64          // events recorded, kept or not
	owners  map[string]string
	links   map[string]string
	stopped bool
}

// NewTimeline returns an empty timeline that starts now and keeps the last
// limit events (DefaultTimelineEvents if limit <= 0).
func NewTimeline(limit int) *Timeline {
	if limit <= 0 {
		limit = DefaultTimelineEvents
	}
	return &Timeline{start: time.Now(), limit: limit, owners: map[string]string{}, links: map[string]string{}}
}

// Start returns when the timeline started.
func (tl *Timeline) Start() time.Time { return tl.start }

// since is now as an offset from the start.
func (tl *Timeline) since() time.Duration { return time.Since(tl.start) }

func (tl *Timeline) add(ev TimelineEvent) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if tl.stopped {
		return
	}
	if len(tl.buf) < tl.limit {
		tl.buf = append(tl.buf, ev)
	} else {
		tl.buf[tl.total%uint64(tl.limit)] = ev
	}
	tl.total++
}

// Stop ends recording: later events are ignored, so goroutines that
// outlive a test cannot change the page being written.
func (tl *Timeline) Stop() {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.stopped = true
}

// Events returns the kept events, oldest first, and how many older ones
// were let go.
func (tl *Timeline) Events() (events []TimelineEvent, dropped uint64) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	if len(tl.buf) < tl.limit {
		return append([]TimelineEvent(nil), tl.buf...), 0
	}
	head := int(tl.total % uint64(tl.limit))
	events = append(append(make([]TimelineEvent, 0, tl.limit), tl.buf[head:]...), tl.buf[:head]...)
	return events, tl.total - uint64(tl.limit)
}

// Step records a step of the test.
func (tl *Timeline) Step(text string) {
	tl.add(TimelineEvent{Kind: KindStep, At: tl.since(), Text: text})
}

// Note records node's state.
func (tl *Timeline) Note(node, state string) {
	tl.add(TimelineEvent{Kind: KindNote, At: tl.since(), From: node, Text: state})
}

// SetOwner records that messages sent on end come from node, so the page
// draws them from node's lane. Kept apart from the events, so ownership
// survives when old events are let go.
func (tl *Timeline) SetOwner(end, node string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.owners[end] = node
}

// Owners returns end name -> node for the ends whose owner is known.
func (tl *Timeline) Owners() map[string]string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	m := make(map[string]string, len(tl.owners))
	for k, v := range tl.owners {
		m[k] = v
	}
	return m
}

// Attach records a related file of the run under label (the porcupine
// visualisation of a KV history), for the page to link.
func (tl *Timeline) Attach(label, path string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.links[label] = path
}

// Attachments returns the attached files as label, path pairs sorted by
// label.
func (tl *Timeline) Attachments() [][2]string {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	out := make([][2]string, 0, len(tl.links))
	for k, v := range tl.links {
		out = append(out, [2]string{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// defaultTimeline is where networks made from now on record, and what
// CurrentTimeline returns: the harness sets it per test when asked for a
// timeline.
var defaultTimeline atomic.Pointer[Timeline]

// SetDefaultTimeline makes every network made after it record into tl
// (nil: none), as SetDefaultSeed seeds them. The harness calls it.
func SetDefaultTimeline(tl *Timeline) { defaultTimeline.Store(tl) }

// CurrentTimeline returns the timeline set by SetDefaultTimeline, or nil
// when the run is not being recorded.
func CurrentTimeline() *Timeline { return defaultTimeline.Load() }

// Record makes the network record into tl from now on (nil: stop).
func (rn *Network) Record(tl *Timeline) { rn.tl.Store(tl) }

// Timeline returns the timeline the network records into, or nil.
func (rn *Network) Timeline() *Timeline { return rn.tl.Load() }

// Step records a step of the test on the network's timeline, if any.
func (rn *Network) Step(text string) {
	if tl := rn.tl.Load(); tl != nil {
		tl.Step(text)
	}
}

// SetEndOwner records that endname belongs to node (the server or client
// that sends on it), so timelines draw its messages from node's lane. It
// changes nothing else; without it, the end's own name is its lane.
func (rn *Network) SetEndOwner(endname interface{}, node string) {
	if tl := rn.tl.Load(); tl != nil {
		tl.SetOwner(fmt.Sprint(endname), node)
	}
}

// Tracing reports whether a Note on this end would be recorded, so that
// code can skip building a note's text when nobody records it.
func (e *ClientEnd) Tracing() bool {
	return e != nil && e.net != nil && e.net.tl.Load() != nil
}

// Note records state ("role=leader term=5 commit=12") for the node this
// end leads to, on the network's timeline. A server notes its own state
// through its end to itself (peers[me]). It does nothing when the network
// is not recorded or the end is dialed over TCP, so reference code calls
// it unconditionally (behind Tracing when the text costs to build).
func (e *ClientEnd) Note(state string) {
	if e == nil || e.net == nil {
		return
	}
	tl := e.net.tl.Load()
	if tl == nil {
		return
	}
	e.net.mu.Lock()
	node := e.net.connections[e.endname]
	e.net.mu.Unlock()
	tl.Note(fmt.Sprint(node), state)
}

// Recording reports whether the current run is recorded, so that code
// can skip building a note's text when nobody records it.
func Recording() bool { return defaultTimeline.Load() != nil }

// NoteNode records state for node on the current run's timeline, for a
// server that has no end to itself (the view service): node is its name
// on the network. A no-op when the run is not recorded.
//
// A note's text may start with a channel, "kv: applied=12", when one node
// notes several kinds of state (a KV server and its Raft peer): the page
// draws each channel's bands in a row of its own on the lane.
func NoteNode(node, state string) {
	if tl := defaultTimeline.Load(); tl != nil {
		tl.Note(node, state)
	}
}

// recordLinkLocked records a change of an end's link. rn.mu is held,
// which is fine: recording never waits on anything but the timeline's own
// mutex.
func (rn *Network) recordLinkLocked(endname interface{}, text string) {
	if tl := rn.tl.Load(); tl != nil {
		tl.add(TimelineEvent{Kind: KindLink, At: tl.since(), From: fmt.Sprint(endname),
			To: fmt.Sprint(rn.connections[endname]), Text: text})
	}
}

// recordServer records a server added or deleted.
func (rn *Network) recordServer(servername interface{}, text string) {
	if tl := rn.tl.Load(); tl != nil {
		tl.add(TimelineEvent{Kind: KindServer, At: tl.since(), To: fmt.Sprint(servername), Text: text})
	}
}

// recordPartition records a Partition into groups, or Heal (nil).
func (rn *Network) recordPartition(groups [][]string) {
	if tl := rn.tl.Load(); tl != nil {
		text := "heal"
		if groups != nil {
			text = fmt.Sprint("partition ", groups)
		}
		tl.add(TimelineEvent{Kind: KindPartition, At: tl.since(), Text: text})
	}
}

// recordStream records a stream connection's open, close or reset.
func (rn *Network) recordStream(from, to Addr, text string) {
	if tl := rn.tl.Load(); tl != nil {
		tl.add(TimelineEvent{Kind: KindStream, At: tl.since(), From: from.Host, To: to.Host,
			Text: text + " " + from.String() + " -> " + to.String()})
	}
}

// short renders v for a message's text, cut to textLimit bytes on a rune
// boundary.
func short(v interface{}) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) <= textLimit {
		return s
	}
	cut := textLimit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
