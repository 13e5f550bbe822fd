package labtest

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startWatchdog fails the whole run if the test is still going after limit
// of real time: a bubble blocked on a mutex never advances virtual time and
// would otherwise hang until go test's own 10-minute timeout.
// Before exiting it reports the failure through fail (the verdict channel).
func startWatchdog(name string, seed int64, limit time.Duration, fail func(reason string)) (stop func()) {
	if limit <= 0 {
		return func() {}
	}
	timer := time.AfterFunc(limit, func() {
		fmt.Fprintf(os.Stderr, "labtest: %s still running after %v of real time: "+
			"something is stuck (a goroutine blocked on a lock stops virtual time). Goroutines:\n\n%s\n",
			name, limit, allStacks())
		fmt.Fprintf(os.Stderr, "--- FAIL: %s (watchdog)\n--- replay: %s\n", name, ReplayCommand(name, seed))
		fail(fmt.Sprintf("watchdog: still running after %v of real time", limit))
		os.Exit(3)
	})
	return func() { timer.Stop() }
}

func allStacks() []byte {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

var bubbleRE = regexp.MustCompile(`synctest bubble (\d+)`)

// checkLeaks waits a virtual grace period for goroutines the body started to
// exit, then fails with the stacks of those still in this bubble. It must be
// called from inside the bubble. A leaked goroutine would keep the bubble
// alive forever, so after reporting it the test panics to end the run.
func checkLeaks(t *testing.T, replay string) {
	deadline := time.Now().Add(leakGrace)
	for {
		leaked := bubbleGoroutines()
		if len(leaked) == 0 {
			return
		}
		if !time.Now().Before(deadline) {
			msg := fmt.Sprintf("labtest: %d goroutine(s) still running %v (virtual) after the test body returned; "+
				"stop everything the test started (Kill, Cleanup, Close):\n\n%s",
				len(leaked), leakGrace, strings.Join(leaked, "\n\n"))
			t.Error(msg)
			fmt.Printf("--- replay: %s\n", replay)
			// The bubble cannot end while they run; say so and stop the run.
			panic("labtest: leaked goroutines (stacks above)")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// bubbleGoroutines returns the stacks of the goroutines in the caller's
// bubble other than the caller and the testing package's own.
func bubbleGoroutines() []string {
	all := allStacks()
	blocks := bytes.Split(all, []byte("\n\n"))
	self := bubbleRE.FindSubmatch(blocks[0]) // the first block is the caller
	if self == nil {
		return nil
	}
	var leaked []string
	for _, b := range blocks[1:] {
		m := bubbleRE.FindSubmatch(b)
		if m == nil || !bytes.Equal(m[1], self[1]) || harnessGoroutine(b) {
			continue
		}
		leaked = append(leaked, string(b))
	}
	return leaked
}

// harnessGoroutine reports whether a stack belongs to testing or synctest
// rather than to the code under test. In a bubble these are: the goroutine
// blocked in synctest.Test / internal synctest.Run waiting for the bubble to
// end; and the testing package's tRunner of the bubble's T, which (unlike a
// subtest's goroutine, created by T.Run) waits for the body's goroutine.
func harnessGoroutine(stack []byte) bool {
	s := string(stack)
	return strings.Contains(s, "testing/synctest.Test") || strings.Contains(s, "internal/synctest.Run") ||
		(strings.Contains(s, "testing.tRunner") && !strings.Contains(s, "created by testing.(*T).Run")) ||
		strings.Contains(s, "testing.(*T).Run(")
}
