package pbkv

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/test/linearize"
)

// linearizabilityTimeout bounds the check in -realtime runs (in a bubble
// the check runs to completion).
const linearizabilityTimeout = 30 * time.Second

// checkHistory fails the test if the recorded operations are not
// linearizable; the failure names porcupine's visualisation.
func (cfg *config) checkHistory() {
	cfg.t.Helper()
	if cfg.skipPorcupine != "" {
		cfg.t.Logf("porcupine check replaced: %s", cfg.skipPorcupine)
		return
	}
	if linearize.Check(cfg.t, cfg.rec.Operations(), linearizabilityTimeout) == porcupine.Illegal {
		cfg.t.FailNow()
	}
}

// The wrappers perform an operation with a clerk and record it; client is
// the row of the visualisation. An operation cut short by shutdown is left
// out (it returned nothing).

// Get performs ck.Get and records it.
func (cfg *config) Get(ck *Clerk, client int, key string) string {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Get, Key: key})
	v := ck.Get(key)
	if !ck.stopped.Load() {
		op.End(v)
	}
	cfg.ops.Add(1)
	return v
}

// Put performs ck.Put and records it.
func (cfg *config) Put(ck *Clerk, client int, key, value string) {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Put, Key: key, Value: value})
	ck.Put(key, value)
	if !ck.stopped.Load() {
		op.End("")
	}
	cfg.ops.Add(1)
}

// Append performs ck.Append and records it.
func (cfg *config) Append(ck *Clerk, client int, key, value string) {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Append, Key: key, Value: value})
	ck.Append(key, value)
	if !ck.stopped.Load() {
		op.End("")
	}
	cfg.ops.Add(1)
}

// check fails the test unless key reads as want through ck.
func (cfg *config) check(ck *Clerk, client int, key, want string) {
	cfg.t.Helper()
	if v := cfg.Get(ck, client, key); v != want {
		cfg.t.Fatalf("Get(%q) = %q, want %q", key, abbrev(v), abbrev(want))
	}
}

// abbrev shortens long values in failure messages.
func abbrev(s string) string {
	if len(s) > 120 {
		return s[:60] + " ... " + s[len(s)-60:]
	}
	return s
}

// async runs f on its own goroutine; the channel is closed when f returns.
func async(f func()) <-chan struct{} {
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		f()
	}()
	return finished
}

// blocks runs f on its own goroutine and fails the test (saying what went
// wrong, with the fmt arguments) if f returns within d. It returns the
// channel closed when f returns, for the test to wait on once it has made f
// able to finish (or shut its clerk down).
func (cfg *config) blocks(d time.Duration, f func(), format string, args ...interface{}) <-chan struct{} {
	cfg.t.Helper()
	finished := async(f)
	select {
	case <-finished:
		cfg.t.Fatalf(format, args...)
	case <-time.After(d):
	}
	return finished
}

// appendMany appends n values to key through ck (client cli) one after
// another and returns what they add up to.
func (cfg *config) appendMany(ck *Clerk, cli int, key string, n int) string {
	var all strings.Builder
	for i := range n {
		cfg.Append(ck, cli, key, appendValue(cli, i))
		all.WriteString(appendValue(cli, i))
	}
	return all.String()
}

// writers starts n clients (rows 0..n-1 of the history, hosts c0..) that
// each call step with their clerk and a counter until the returned stop
// function is called; stop waits for them. A clerk shut down by a failing
// test ends its client too.
func (cfg *config) writers(n int, step func(ck *Clerk, cli, i int)) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for c := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck := cfg.makeClerk(fmt.Sprintf("c%d", c))
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				step(ck, c, i)
				if ck.stopped.Load() {
					return
				}
			}
		}()
	}
	return func() {
		close(done)
		wg.Wait()
	}
}

// readAll reads the keys prefix0..prefix(n-1) through a fresh clerk (row
// n of the history), so that the history's check covers what the writers
// left behind.
func (cfg *config) readAll(n int, prefix string) {
	ck := cfg.makeClerk("reader")
	for c := range n {
		cfg.Get(ck, n, fmt.Sprintf("%s%d", prefix, c))
	}
}

// appendValue is client cli's n-th appended value; braces keep any value
// from being a substring of another or of two neighbours.
func appendValue(cli, n int) string { return fmt.Sprintf("{%d.%d}", cli, n) }

// checkAppends checks a history of concurrent Appends to one key whose final
// value (read after all of them returned) is final. Such a history is
// linearizable iff every appended value occurs in final exactly once and an
// Append that returned before another was called comes first. Porcupine
// would have to search the orders of the overlapping Appends, exponentially
// many when retries on a lossy network make them overlap for long.
func (cfg *config) checkAppends(key, final string) error {
	type placed struct {
		call, ret int64
		at        int
		value     string
	}
	var apps []placed
	for _, op := range cfg.rec.Operations() {
		in := op.Input.(linearize.Input)
		if in.Op != linearize.Append || in.Key != key {
			continue
		}
		at := strings.Index(final, in.Value)
		switch {
		case at < 0:
			return fmt.Errorf("the acknowledged Append of %q to %q is lost", in.Value, key)
		case strings.Count(final, in.Value) > 1:
			return fmt.Errorf("the Append of %q to %q was applied more than once", in.Value, key)
		}
		apps = append(apps, placed{op.Call, op.Return, at, in.Value})
	}
	for _, a := range apps {
		for _, b := range apps {
			if a.ret < b.call && a.at > b.at {
				return fmt.Errorf("Append %q returned before Append %q began, yet follows it", a.value, b.value)
			}
		}
	}
	return nil
}
