package kvraft

import (
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/test/labtest"
	"distlabs/test/linearize"
)

// history records the clients' operations for the linearizability check,
// with the shared KV model of test/linearize.
type history struct {
	rec *linearize.Recorder
	// skip replaces the porcupine check by the test's own (see
	// checkAppendOrder); the reason is logged.
	skip string
}

func newHistory() *history { return &history{rec: linearize.NewRecorder()} }

// linearizabilityTimeout bounds the check in -realtime runs. In a bubble
// the checker's goroutines never block, so virtual time (and this timer)
// stands still until they finish.
const linearizabilityTimeout = 30 * time.Second

// check fails the test if the history is not linearizable; the failure
// names the file with porcupine's visualisation.
func (h *history) check(t *labtest.T) {
	t.Helper()
	if h.skip != "" {
		t.Logf("porcupine check skipped: %s", h.skip)
		return
	}
	if linearize.Check(t, h.rec.Operations(), linearizabilityTimeout) == porcupine.Illegal {
		t.FailNow()
	}
}

// The wrappers below perform an operation with a clerk and record it. An
// operation that ends after cleanup began (only when a test is already
// failing) is not recorded.

// Get performs ck.Get and records it.
func (cfg *config) Get(ck *Clerk, client int, key string) string {
	op := cfg.hist.rec.Start(client, linearize.Input{Op: linearize.Get, Key: key})
	v := ck.Get(key)
	if !cfg.ending.Load() {
		op.End(v)
	}
	cfg.ops.Add(1)
	return v
}

// Put performs ck.Put and records it.
func (cfg *config) Put(ck *Clerk, client int, key, value string) {
	op := cfg.hist.rec.Start(client, linearize.Input{Op: linearize.Put, Key: key, Value: value})
	ck.Put(key, value)
	if !cfg.ending.Load() {
		op.End("")
	}
	cfg.ops.Add(1)
}

// Append performs ck.Append and records it.
func (cfg *config) Append(ck *Clerk, client int, key, value string) {
	op := cfg.hist.rec.Start(client, linearize.Input{Op: linearize.Append, Key: key, Value: value})
	ck.Append(key, value)
	if !cfg.ending.Load() {
		op.End("")
	}
	cfg.ops.Add(1)
}

// check fails the test unless key's value, read through ck, is want.
func (cfg *config) check(ck *Clerk, client int, key, want string) {
	cfg.t.Helper()
	if v := cfg.Get(ck, client, key); v != want {
		cfg.t.Fatalf("reading key %q returned %q; it should hold %q", key, abbrev(v), want)
	}
}

// abbrev shortens long values in failure messages.
func abbrev(s string) string {
	if len(s) > 200 {
		return s[:100] + " ... " + s[len(s)-100:]
	}
	return s
}

// checkClientAppends verifies that value v holds each of the first count
// appends of client cli exactly once, in the order the client made them.
func checkClientAppends(cli int, v string, count int) error {
	prev := -1 // where the client's previous append sits in v
	for j := range count {
		piece := appendValue(cli, j)
		at := strings.Index(v, piece)
		switch {
		case at < 0:
			return fmt.Errorf("client %d: append #%d (%q) was acknowledged but is not in the value %q", cli, j, piece, abbrev(v))
		case at != strings.LastIndex(v, piece):
			return fmt.Errorf("client %d: append #%d (%q) was applied more than once", cli, j, piece)
		case at <= prev:
			return fmt.Errorf("client %d: append #%d (%q) sits before the client's earlier append #%d", cli, j, piece, j-1)
		}
		prev = at
	}
	return nil
}

// appendValue is the string client cli appends on its j-th Append. The
// braces delimit it, so no value is a substring of another or of two
// neighbours joined; for one-digit cli and j every value has the same length.
func appendValue(cli, j int) string {
	return fmt.Sprintf("{c%d.n%d}", cli, j)
}

// checkAppendOrder checks a history made only of Appends to one key,
// followed by a Get (final) that returned after all of them: it is
// linearizable iff every value appears exactly once in final and whenever an
// Append returned before another was called, its value comes first. Porcupine
// would search the orders of the concurrent Appends, exponentially many,
// because nothing but the final Get constrains them; this check is direct.
func (h *history) checkAppendOrder(final string) error {
	type app struct {
		call, ret int64
		pos       int
		value     string
	}
	var apps []app
	for _, op := range h.rec.Operations() {
		in := op.Input.(linearize.Input)
		if in.Op != linearize.Append {
			continue
		}
		pos := strings.Index(final, in.Value)
		if pos < 0 {
			return fmt.Errorf("acknowledged Append(%q, %q) missing from final value", in.Key, in.Value)
		}
		if strings.LastIndex(final, in.Value) != pos {
			return fmt.Errorf("Append(%q, %q) applied more than once", in.Key, in.Value)
		}
		apps = append(apps, app{op.Call, op.Return, pos, in.Value})
	}
	for _, a := range apps {
		for _, b := range apps {
			if a.ret < b.call && a.pos > b.pos {
				return fmt.Errorf("Append %q returned before Append %q was called, but follows it in the value", a.value, b.value)
			}
		}
	}
	return nil
}
