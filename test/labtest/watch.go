package labtest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
)

// bubbleEpoch is where virtual time starts in every synctest bubble.
var bubbleEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// startWatchdog fails the whole run if the test is still going after limit
// of real time: a bubble whose clock has stopped (a goroutine spinning or
// blocked on a mutex) would otherwise hang until go test's own 10-minute
// timeout. Before exiting it reports the failure through fail (the verdict
// channel).
func startWatchdog(name string, seed int64, limit time.Duration, bubble bool, fail func(reason string)) (stop func()) {
	if limit <= 0 {
		return func() {}
	}
	quit := make(chan struct{})
	go func() {
		sample := min(limit/10, time.Second)
		tick := time.NewTicker(sample)
		defer tick.Stop()
		expire := time.NewTimer(limit)
		defer expire.Stop()
		// Virtual time is seen through the network: the start time of the
		// latest labrpc call (a probe goroutine in the bubble would hide
		// deadlocks, as its timer would keep the bubble alive).
		last, movedAt := labrpc.LastCallTime(), time.Now()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				if v := labrpc.LastCallTime(); !v.Equal(last) {
					last, movedAt = v, time.Now()
				}
			case <-expire.C:
				stacks := allStacks()
				diag := diagnose(bubble, last, time.Since(movedAt), limit, stacks)
				fmt.Fprintf(os.Stderr, "labtest: %s still running after %v of real time: %s\nGoroutines:\n\n%s\n",
					name, limit, diag, stacks)
				fmt.Fprintf(os.Stderr, "--- FAIL: %s (watchdog)\n--- replay: %s\n", name, ReplayCommand(name, seed))
				fail("watchdog: " + strings.SplitN(diag, ":", 2)[0])
				os.Exit(3)
			}
		}
	}()
	return func() { close(quit) }
}

// diagnose says in plain words why a test ran out of real time: whether
// virtual time had stopped, and what the bubble's goroutines were doing.
func diagnose(bubble bool, lastCall time.Time, still, limit time.Duration, stacks []byte) string {
	if !bubble {
		return "the test is stuck or slow (real clock)"
	}
	busy, locked := 0, 0
	for _, b := range bytes.Split(stacks, []byte("\n\n")) {
		// The harness's own goroutines in the bubble are parked on
		// channels, never running or on a mutex: no need to filter them.
		if !bubbleRE.Match(b) {
			continue
		}
		header, _, _ := bytes.Cut(b, []byte("\n"))
		switch {
		case bytes.Contains(header, []byte("[running")) || bytes.Contains(header, []byte("[runnable")):
			busy++
		case bytes.Contains(header, []byte("Mutex.Lock")) || bytes.Contains(header, []byte("Mutex.RLock")):
			locked++
		}
	}
	rpcs := "no RPC was made"
	if !lastCall.IsZero() {
		rpcs = fmt.Sprintf("the last RPC started at %v (virtual)", lastCall.Sub(bubbleEpoch).Round(time.Millisecond))
	}
	if still < limit/2 && !lastCall.IsZero() {
		return fmt.Sprintf("the test is slow, not stuck: RPCs still flow (%s): "+
			"it needs more real CPU than the limit allows (a -race run on a busy machine? raise -watchdog)", rpcs)
	}
	var why []string
	if busy > 0 {
		why = append(why, fmt.Sprintf("%d goroutine(s) busy-looping without sleeping (state running/runnable below)", busy))
	}
	if locked > 0 {
		why = append(why, fmt.Sprintf("%d goroutine(s) blocked on a mutex (state sync.Mutex.Lock below): a goroutine waiting "+
			"for a mutex keeps virtual time from advancing, so no lock may be held while its holder sleeps or waits "+
			"(time.Sleep, a channel nobody serves, an RPC); such code runs on the real clock (-realtime)", locked))
	}
	if len(why) == 0 {
		why = append(why, "goroutines blocked on something outside the test (a real socket, a channel made outside the bubble)")
	}
	return fmt.Sprintf("virtual time stopped (%s; no RPC for %v of real time): "+
		"virtual time advances only when every goroutine of the test is blocked or sleeping; here: %s",
		rpcs, still.Round(time.Second), strings.Join(why, "; "))
}

var (
	// stackSize is the buffer size the latest full dump needed.
	stackSize atomic.Int64
	// dumps counts full dumps, for the harness's own tests.
	dumps atomic.Int64
)

// allStacks dumps every goroutine, starting from the size the previous dump
// needed: each retry with a bigger buffer is another stop-the-world dump.
func allStacks() []byte {
	buf := make([]byte, max(stackSize.Load(), 1<<20))
	for {
		dumps.Add(1)
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			stackSize.Store(int64(len(buf)))
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
