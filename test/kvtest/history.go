package kvtest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/test/labtest"
	"distlabs/test/linearize"
	"distlabs/test/tester"
)

// Clerk is the client API every key/value lab shares.
type Clerk interface {
	Get(key string) string
	Put(key, value string)
	Append(key, value string)
}

// Options tunes how a History runs operations.
type Options struct {
	// Abandon runs each operation in a harness goroutine
	// (labtest.Background), so that once Stop is called an operation in
	// progress returns at once, unrecorded, and goes on unobserved. This is
	// for Clerk APIs that retry until a server answers and have no way to
	// stop (2015's); without it an operation always runs to its end.
	Abandon bool
	// Dropped, if set, reports that an operation of ck that just returned
	// was cut short (its clerk was shut down): it is not recorded.
	Dropped func(ck Clerk) bool
}

// linearizabilityTimeout bounds the porcupine check in -realtime runs; in
// a bubble the checker never blocks, so it runs to completion.
const linearizabilityTimeout = 30 * time.Second

// History performs the test's client operations and records them for the
// linearizability check. Its methods are safe for concurrent use.
type History struct {
	t    *labtest.T
	net  *tester.Net
	opts Options
	rec  *linearize.Recorder

	stopOnce sync.Once
	stop     chan struct{}

	mu   sync.Mutex
	skip string
}

// NewHistory returns an empty history; net (may be nil) counts the
// operations for the "Passed" line.
func NewHistory(t *labtest.T, net *tester.Net, opts Options) *History {
	return &History{t: t, net: net, opts: opts, rec: linearize.NewRecorder(), stop: make(chan struct{})}
}

// Stop ends the clients: an operation that returns after it is not
// recorded (it ran while the cluster was being shut down), and with
// Options.Abandon one in progress returns at once. Call it first in a
// lab's cleanup.
func (h *History) Stop() { h.stopOnce.Do(func() { close(h.stop) }) }

// Stopped reports whether Stop was called.
func (h *History) Stopped() bool {
	select {
	case <-h.stop:
		return true
	default:
		return false
	}
}

// do runs op and reports whether its result may be recorded.
func (h *History) do(ck Clerk, op func()) bool {
	if h.Stopped() {
		return false
	}
	if !h.opts.Abandon {
		op()
	} else {
		done := make(chan struct{})
		h.t.Background(func() {
			defer close(done)
			op()
		})
		select {
		case <-done:
		case <-h.stop:
			return false
		}
	}
	if h.Stopped() || (h.opts.Dropped != nil && h.opts.Dropped(ck)) {
		return false
	}
	if h.net != nil {
		h.net.Op()
	}
	return true
}

// Get performs ck.Get for client (the row in the visualisation) and
// records it. A Get cut short (not recorded) returns "": an abandoned one
// may still be writing its result.
func (h *History) Get(ck Clerk, client int, key string) string {
	op := h.rec.Start(client, linearize.Input{Op: linearize.Get, Key: key})
	var v string
	if !h.do(ck, func() { v = ck.Get(key) }) {
		return ""
	}
	op.End(v)
	return v
}

// Put performs ck.Put and records it.
func (h *History) Put(ck Clerk, client int, key, value string) {
	op := h.rec.Start(client, linearize.Input{Op: linearize.Put, Key: key, Value: value})
	if h.do(ck, func() { ck.Put(key, value) }) {
		op.End("")
	}
}

// Append performs ck.Append and records it.
func (h *History) Append(ck Clerk, client int, key, value string) {
	op := h.rec.Start(client, linearize.Input{Op: linearize.Append, Key: key, Value: value})
	if h.do(ck, func() { ck.Append(key, value) }) {
		op.End("")
	}
}

// Expect fails the test unless key, read through ck, holds want.
func (h *History) Expect(ck Clerk, client int, key, want string) {
	h.t.Helper()
	if got := h.Get(ck, client, key); got != want {
		h.t.Fatalf("Get(%q) = %q; want %q", key, Abbrev(got), Abbrev(want))
	}
}

// Len returns the number of operations recorded (completed or not).
func (h *History) Len() int { return h.rec.Len() }

// Skip replaces the porcupine check by the test's own (CheckAppends, for
// a history porcupine cannot search in time); Check logs why.
func (h *History) Skip(why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.skip = why
}

// Check fails the test if the history is not linearizable; the failure
// names the file with porcupine's visualisation.
func (h *History) Check() {
	h.t.Helper()
	h.mu.Lock()
	skip := h.skip
	h.mu.Unlock()
	if skip != "" {
		h.t.Logf("porcupine check replaced: %s", skip)
		return
	}
	if linearize.Check(h.t, h.rec.Operations(), linearizabilityTimeout) == porcupine.Illegal {
		h.t.Fatal("the clients' history is not linearizable")
	}
}

// CheckAppends checks the recorded Appends to key against final, the
// value read after all of them returned. Such a history is linearizable
// iff every appended value occurs in final exactly once and an Append that
// returned before another was called comes first. Porcupine would search
// the orders of the overlapping Appends, exponentially many when retries
// on a lossy network make them overlap for long; this check is direct.
// Values must be AppendValue's (no one a substring of another).
func (h *History) CheckAppends(key, final string) error {
	type placed struct {
		call, ret int64
		at        int
		value     string
	}
	var apps []placed
	for _, op := range h.rec.Operations() {
		in := op.Input.(linearize.Input)
		if in.Op != linearize.Append || in.Key != key {
			continue
		}
		at := strings.Index(final, in.Value)
		switch {
		case at < 0:
			return fmt.Errorf("the acknowledged Append of %q to %q is missing from its final value %q", in.Value, key, Abbrev(final))
		case strings.Count(final, in.Value) > 1:
			return fmt.Errorf("the Append of %q to %q was applied more than once", in.Value, key)
		}
		apps = append(apps, placed{op.Call, op.Return, at, in.Value})
	}
	for _, a := range apps {
		for _, b := range apps {
			if a.ret < b.call && a.at > b.at {
				return fmt.Errorf("Append %q to %q returned before Append %q began, yet follows it", a.value, key, b.value)
			}
		}
	}
	return nil
}
