package labtest

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// LeaksEnv selects what a goroutine that outlives its test does:
//
//   - "warn" (the default, for students and the grader): the test keeps its
//     verdict and the harness prints a warning with the goroutines' stacks
//     and a one-line fix hint. This is how the original course suites judge
//     code whose helper goroutines stay parked after Kill.
//   - "strict" (make test and CI): the test fails with those stacks.
//
// Whatever the mode, a test that calls T.StrictLeaks (one graded test per
// lab, e.g. TestKillStopsGoroutines2A) fails on a leak.
const LeaksEnv = "DISTLABS_LEAKS"

// leakPolicy is the value of LeaksEnv.
type leakPolicy int

const (
	leaksWarn leakPolicy = iota
	leaksStrict
)

// leakMode reads LeaksEnv.
func leakMode() (leakPolicy, error) {
	switch v := os.Getenv(LeaksEnv); v {
	case "", "warn":
		return leaksWarn, nil
	case "strict":
		return leaksStrict, nil
	default:
		return 0, fmt.Errorf("labtest: bad %s=%q: want strict or warn", LeaksEnv, v)
	}
}

// fixHint is the one line that tells a student what to change.
const fixHint = "labtest: fix: make every goroutine you start return after Kill: " +
	"check killed() in each loop, and in Kill wake what waits (cond.Broadcast(), close a channel)"

// StrictLeaks makes this test fail if any goroutine outlives it, whatever
// LeaksEnv says. It is for the one documented test per lab that grades the
// rule "Kill stops every goroutine". In virtual time the bubble's leak
// check judges it; on the real clock (-realtime, and the grader's rerun of
// a test whose virtual time stopped on a mutex) a real-clock check does:
// every goroutine started during the test must be gone within leakGrace of
// real time after the body and its cleanups.
func (t *T) StrictLeaks() {
	t.Helper()
	t.state.mu.Lock()
	defer t.state.mu.Unlock()
	t.state.strict = true
}

// Background runs f in a goroutine that the leak check does not count, for
// a harness helper that must keep serving the code under test for as long
// as that code may run, even past the test: for example draining a killed
// peer's applyCh, so that a Raft still sending on it (perhaps holding its
// lock) after Kill cannot block its other goroutines and stop virtual time.
// f may block forever on a channel; it is then parked with the bubble.
func (t *T) Background(f func()) { go background(f) }

// background is the frame harnessGoroutine looks for.
//
//go:noinline
func background(f func()) { f() }

// checkLeaks applies the leak policy. It runs inside the bubble as the
// body's last cleanup: it waits a virtual grace period for the goroutines
// the body started to exit, then fails the test (strict) or warns (warn)
// with the stacks of those left. Left goroutines that are durably blocked
// (on a channel, a sync.Cond, a sleep) stay parked for good once the bubble
// ends, which runBubble tolerates, so the next test runs normally.
//
// Once the bubble's main goroutine exits its clock stops, so a goroutine
// still alive then is parked for good and synctest panics with no stacks.
// So every dump waits for the bubble to settle (settledGoroutines: a dump
// of a running bubble misses goroutines), and the check never returns
// early on a count of zero: it waits out the grace period (free in virtual
// time when nothing runs) and looks again, so a goroutine a timer starts
// within the grace is caught and reported with its stack.
func (s *runState) checkLeaks(t *testing.T, mode leakPolicy) {
	// A dump of every goroutine costs real time when thousands are parked
	// (leftovers of earlier tests included), so between dumps the count of
	// goroutines is watched, and the bubble is dumped again only when it
	// dropped (something exited) and at the end of the grace period.
	deadline := time.Now().Add(leakGrace)
	leaked, helpers := settledGoroutines()
	last := runtime.NumGoroutine()
	for time.Now().Before(deadline) {
		step := time.Until(deadline)
		if len(leaked) > 0 {
			step = min(10*time.Millisecond, step)
		}
		time.Sleep(step)
		if n := runtime.NumGoroutine(); n < last || !time.Now().Before(deadline) {
			leaked, helpers = settledGoroutines()
			last = runtime.NumGoroutine()
		}
	}
	s.mu.Lock()
	s.helpers = helpers
	s.mu.Unlock()
	if len(leaked) == 0 {
		return
	}
	s.mu.Lock()
	s.leaked = len(leaked)
	strict := s.strict || mode == leaksStrict
	s.mu.Unlock()
	stacks := groupStacks(leaked)
	if strict {
		t.Errorf("labtest: %d goroutine(s) still running %v (virtual) after the test body returned; "+
			"stop everything the test started (Kill, Cleanup, Close):\n\n%s\n%s", len(leaked), leakGrace, stacks, fixHint)
		return
	}
	fmt.Printf("labtest: WARNING: %s: %d goroutine(s) still running %v (virtual) after the test ended; "+
		"the test keeps its verdict (%s=warn), but Kill should stop them. Their stacks:\n\n%s\n%s\n",
		t.Name(), len(leaked), leakGrace, LeaksEnv, stacks, fixHint)
}

// settledGoroutines is bubbleGoroutines once every other goroutine of the
// bubble is durably blocked and the timers due now have run. A dump taken
// while the bubble runs misses goroutines: the runtime detaches a goroutine
// from its bubble while it starts or assists a garbage collection (its
// header then lacks "synctest bubble N"), and a timer due now may be about
// to start one. A durably blocked goroutine is attached, and stays so while
// only the caller runs.
// A goroutine that spins or waits on a mutex for good keeps Wait (like the
// virtual clock) from returning; the watchdog reports it.
func settledGoroutines() (leaked []string, helpers int) {
	synctest.Wait()
	return bubbleGoroutines()
}

// bubbleGoroutines returns the stacks of the goroutines in the caller's
// bubble other than the caller, the testing package's own and Background
// helpers, and the number of those helpers.
func bubbleGoroutines() (leaked []string, helpers int) {
	blocks := bytes.Split(allStacks(), []byte("\n\n"))
	self := bubbleRE.Find(blocks[0]) // the first block is the caller
	if self == nil {
		return nil, 0
	}
	// Match on the header line only, by plain comparison: the dump may
	// hold thousands of goroutines parked by earlier tests.
	tag := append(append([]byte(" "), self...), ']')
	for _, b := range blocks[1:] {
		header, _, _ := bytes.Cut(b, []byte("\n"))
		switch {
		case !bytes.Contains(header, tag) || harnessGoroutine(b):
		case bytes.Contains(b, []byte("labtest.background(")):
			helpers++
		default:
			leaked = append(leaked, string(b))
		}
	}
	return leaked, helpers
}

var bubbleRE = regexp.MustCompile(`synctest bubble (\d+)`)

// harnessGoroutine reports whether a stack belongs to testing, synctest or
// this harness rather than to the code under test. In a bubble these are:
// the goroutine blocked in synctest.Test / internal synctest.Run waiting
// for the bubble to end; and the testing package's tRunner of the bubble's
// T, which (unlike a subtest's goroutine, created by T.Run) waits for the
// body's goroutine.
func harnessGoroutine(stack []byte) bool {
	s := string(stack)
	return strings.Contains(s, "testing/synctest.Test") || strings.Contains(s, "internal/synctest.Run") ||
		(strings.Contains(s, "testing.tRunner") && !strings.Contains(s, "created by testing.(*T).Run")) ||
		strings.Contains(s, "testing.(*T).Run(")
}

var (
	goroutineIDRE = regexp.MustCompile(`^goroutine \d+ `)
	argsRE        = regexp.MustCompile(`\(0x[0-9a-f, .?{}x]*\)|\+0x[0-9a-f]+| in goroutine \d+`)
)

// groupStacks prints identical stacks once with a count: five peers with
// the same parked helper make one entry, not five.
func groupStacks(stacks []string) string {
	var order []string
	count := map[string]int{}
	first := map[string]string{}
	for _, s := range stacks {
		key := argsRE.ReplaceAllString(goroutineIDRE.ReplaceAllString(s, ""), "")
		if count[key] == 0 {
			order = append(order, key)
			first[key] = s
		}
		count[key]++
	}
	var b strings.Builder
	for _, k := range order {
		if n := count[k]; n > 1 {
			fmt.Fprintf(&b, "%d goroutines like this one:\n", n)
		}
		b.WriteString(strings.TrimRight(first[k], "\n"))
		b.WriteString("\n\n")
	}
	return b.String()
}

// allStacksOfSelf is the calling goroutine's stack.
func allStacksOfSelf() []byte {
	buf := make([]byte, 4096)
	return buf[:runtime.Stack(buf, false)]
}

// goroutinesOf returns the stacks of the goroutines in bubble (a "synctest
// bubble N" tag), the harness's own excluded.
func goroutinesOf(bubble []byte) []string {
	var out []string
	for _, b := range bytes.Split(allStacks(), []byte("\n\n")) {
		if bubble != nil && bubbleRE.Find(b) != nil && bytes.Equal(bubbleRE.Find(b), bubble) && !harnessGoroutine(b) {
			out = append(out, string(b))
		}
	}
	return out
}

// goroutineIDRE reads a goroutine's number from its header.
var goroutineNumRE = regexp.MustCompile(`^goroutine (\d+) `)

// goroutineNums returns the numbers of the goroutines in a dump.
func goroutineNums(stacks []byte) map[string]bool {
	nums := map[string]bool{}
	for _, b := range bytes.Split(stacks, []byte("\n\n")) {
		if m := goroutineNumRE.FindSubmatch(b); m != nil {
			nums[string(m[1])] = true
		}
	}
	return nums
}

// newGoroutines returns the stacks of the goroutines not in before, other
// than the caller, the harness's and testing's own and Background helpers.
func newGoroutines(before map[string]bool) []string {
	var out []string
	for i, b := range bytes.Split(allStacks(), []byte("\n\n")) {
		m := goroutineNumRE.FindSubmatch(b)
		switch {
		case i == 0 || m == nil || before[string(m[1])]:
		case harnessGoroutine(b) || bytes.Contains(b, []byte("labtest.background(")) || bytes.Contains(b, []byte("labtest.startWatchdog")):
		default:
			out = append(out, string(b))
		}
	}
	return out
}

// checkRealLeaks is the leak check of a StrictLeaks test on the real
// clock: the goroutines started since before must exit within leakGrace of
// real time. It looks every 100 ms and stops early once two looks in a
// row find none (a real clock has no settled state to wait for).
func (s *runState) checkRealLeaks(t *testing.T, before map[string]bool) {
	deadline := time.Now().Add(leakGrace)
	clean := 0
	var left []string
	for {
		left = newGoroutines(before)
		if len(left) == 0 {
			if clean++; clean == 2 {
				return
			}
		} else {
			clean = 0
		}
		if !time.Now().Before(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.mu.Lock()
	s.leaked = len(left)
	s.mu.Unlock()
	t.Errorf("labtest: %d goroutine(s) still running %v (real clock) after the test body returned; "+
		"stop everything the test started (Kill, Cleanup, Close):\n\n%s\n%s", len(left), leakGrace, groupStacks(left), fixHint)
}
