package labrpc_test

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
)

// traceRun runs a workload of many goroutines calling over several
// unreliable, reordering links inside a fresh bubble, and returns each
// link's event sequence (time relative to the start, method, seq, outcome).
func traceRun(t *testing.T, seed int64) map[string][]string {
	perLink := map[string][]string{}
	inBubble(t, seed, func(t *testing.T, rn *labrpc.Network) {
		start := time.Now()
		var mu sync.Mutex
		rn.SetTrace(func(e labrpc.Event) {
			mu.Lock()
			defer mu.Unlock()
			perLink[e.From] = append(perLink[e.From],
				fmt.Sprintf("%v %s #%d %dB %s", e.Time.Sub(start), e.Method, e.Seq, e.Size, e.Outcome))
		})
		serveOn(rn, "server", &Probe{})
		rn.Reliable(false)
		rn.LongReordering(true)
		callers(rn, "link", 8, "server", func(_ int, e *labrpc.ClientEnd) {
			for i := 0; i < 200; i++ {
				var s string
				e.Call("Probe.Label", i, &s)
			}
		}).Wait()
	})
	return perLink
}

// The same seed gives the same per-link schedule, however the goroutines of
// different links interleave; a different seed gives a different one.
func TestDeterminism(t *testing.T) {
	a := traceRun(t, 4711)
	b := traceRun(t, 4711)
	c := traceRun(t, 4712)
	require.Len(t, a, 8)
	links := make([]string, 0, len(a))
	for l := range a {
		links = append(links, l)
	}
	sort.Strings(links)
	for _, l := range links {
		require.Len(t, a[l], 200)
		assert.Equal(t, a[l], b[l], "link %s: same seed, different schedule", l)
	}
	differ := 0
	for _, l := range links {
		if fmt.Sprint(a[l]) != fmt.Sprint(c[l]) {
			differ++
		}
	}
	assert.Equal(t, len(links), differ, "a different seed should change every link's schedule")
}

// MakeNetwork takes its seed from SetDefaultSeed, and the n-th network made
// after it gets the same seed each time.
func TestDefaultSeed(t *testing.T) {
	labrpc.SetDefaultSeed(99)
	a1, a2 := labrpc.MakeNetwork(), labrpc.MakeNetwork()
	labrpc.SetDefaultSeed(99)
	b1, b2 := labrpc.MakeNetwork(), labrpc.MakeNetwork()
	assert.Equal(t, int64(99), a1.Seed())
	assert.Equal(t, a1.Seed(), b1.Seed())
	assert.Equal(t, a2.Seed(), b2.Seed())
	assert.NotEqual(t, a1.Seed(), a2.Seed())
	for _, n := range []*labrpc.Network{a1, a2, b1, b2} {
		n.Cleanup()
	}
}

// Regression: a stream's fault schedule must not depend on the order in
// which connections are dialed (it used to be keyed by the ephemeral port).
func TestRegressionStreamScheduleIndependentOfDialOrder(t *testing.T) {
	delays := func(aFirst bool) []time.Duration {
		var out []time.Duration
		inBubble(t, 42, func(t *testing.T, rn *labrpc.Network) {
			rn.Reliable(false)
			l, _ := rn.Listen("web:80")
			if !aFirst {
				cb, _ := rn.Dial("b", "web:80")
				defer cb.Close()
				sb, _ := l.Accept()
				defer sb.Close()
			}
			ca, _ := rn.Dial("a", "web:80")
			defer ca.Close()
			sa, _ := l.Accept()
			defer sa.Close()
			buf := make([]byte, 1)
			for i := 0; i < 10; i++ {
				start := time.Now()
				ca.Write([]byte{1})
				sa.Read(buf)
				out = append(out, time.Since(start))
			}
		})
		return out
	}
	d1, d2 := delays(true), delays(false)
	t.Logf("a dialed first: %v\nb dialed first: %v", d1, d2)
	if fmt.Sprint(d1) != fmt.Sprint(d2) {
		t.Errorf("link a->web:80 got a different schedule depending on dial order (same seed)")
	}
}
