package labtest

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
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
// channel). A bubble provably frozen on a mutex is stopped sooner (see
// frozenState).
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
		start := time.Now()
		// Virtual time is seen through the network: the start time of the
		// latest labrpc call (a probe goroutine in the bubble would hide
		// deadlocks, as its timer would keep the bubble alive).
		last, movedAt := labrpc.LastCallTime(), start
		// A bubble frozen on a mutex can never move again (frozenState),
		// so once RPCs have been silent for stallCheck the watchdog
		// compares the bubble's goroutines every stallCheck and stops the
		// test when the frozen picture has not changed, instead of waiting
		// for the limit (90% of the grader's timeout: minutes).
		stallCheck := min(limit/8, maxStallCheck)
		var frozen string
		var checkedAt time.Time
		stopNow := func(after time.Duration, stacks []byte, diag string) {
			fmt.Fprintf(os.Stderr, "labtest: %s still running after %v of real time: %s\nGoroutines:\n\n%s\n",
				name, after, diag, stacks)
			fmt.Fprintf(os.Stderr, "--- FAIL: %s (watchdog)\n--- replay: %s\n", name, ReplayCommand(name, seed))
			fail(watchdogReason(diag, stacks))
			os.Exit(3)
		}
		for {
			select {
			case <-quit:
				return
			case now := <-tick.C:
				if v := labrpc.LastCallTime(); !v.Equal(last) {
					last, movedAt = v, now
				}
				if now.Sub(movedAt) < stallCheck || now.Sub(checkedAt) < stallCheck {
					continue
				}
				stacks := allStacks()
				state := frozenState(stacks)
				if !bubble {
					// On the real clock only a labrpc test is judged
					// stuck: its RPCs are the sign of life (a test of
					// real sockets may hold a lock through a slow read).
					state = ""
					if !last.IsZero() {
						state = stuckState(stacks)
					}
				}
				if state != "" && state == frozen {
					stopNow(now.Sub(start).Round(100*time.Millisecond), stacks, diagnose(bubble, last, now.Sub(movedAt), limit, stacks, now.Sub(checkedAt)))
				}
				frozen, checkedAt = state, now
			case <-expire.C:
				stacks := allStacks()
				stopNow(limit, stacks, diagnose(bubble, last, time.Since(movedAt), limit, stacks, 0))
			}
		}
	}()
	return func() { close(quit) }
}

// watchdogReason is the verdict line's reason for diag: its first clause,
// which goroutines wait for which mutex (mutexWaits) when some do, and
// MutexStallReason when virtual time stopped on a mutex. The grader reruns
// a test on the real clock only on that verdict, which the code under test
// cannot forge (its printed words do not count), and shows the reason to
// the student.
func watchdogReason(diag string, stacks []byte) string {
	reason := "watchdog: " + strings.SplitN(diag, ":", 2)[0]
	locked := strings.Contains(diag, "blocked on a mutex")
	if waits := mutexWaits(stacks); locked && waits != "" {
		reason += ": " + waits
	}
	if strings.HasPrefix(diag, "virtual time stopped") && locked {
		reason += "; " + MutexStallReason
	}
	return reason
}

// stuckState is frozenState for a run on the real clock, where no
// goroutine is marked durably blocked: the states of every goroutine when
// at least one waits for a mutex, or "". The watchdog calls a run stuck
// when it is the same twice, stallCheck apart, with no labrpc call started
// meanwhile: lab code that holds a lock while it sleeps lets go of it
// within a few seconds, and its RPCs keep flowing.
func stuckState(stacks []byte) string {
	var headers []string
	locked := false
	for _, b := range bytes.Split(stacks, []byte("\n\n")) {
		header, _, _ := bytes.Cut(b, []byte("\n"))
		if bytes.Contains(header, []byte("Mutex.Lock")) || bytes.Contains(header, []byte("Mutex.RLock")) {
			locked = true
		}
		headers = append(headers, string(waitedRE.ReplaceAll(header, nil)))
	}
	if !locked {
		return ""
	}
	return strings.Join(headers, "\n")
}

// MutexStallReason ends the verdict reason of a test whose virtual time
// the watchdog found stopped with a goroutine waiting for a mutex.
const MutexStallReason = "virtual time stopped on a mutex"

// countLocked counts the goroutines of a dump waiting for a mutex.
func countLocked(stacks []byte) int {
	n := 0
	for _, b := range bytes.Split(stacks, []byte("\n\n")) {
		header, _, _ := bytes.Cut(b, []byte("\n"))
		if bytes.Contains(header, []byte("Mutex.Lock")) || bytes.Contains(header, []byte("Mutex.RLock")) {
			n++
		}
	}
	return n
}

// maxStallCheck bounds how long RPCs must be silent before the watchdog
// looks for a frozen bubble, and how long the frozen picture must last.
const maxStallCheck = 5 * time.Second

// diagnose says in plain words why a test ran out of real time: whether
// virtual time had stopped, and what the bubble's goroutines were doing.
// frozenFor > 0: frozenState saw the same frozen bubble that long apart.
func diagnose(bubble bool, lastCall time.Time, still, limit time.Duration, stacks []byte, frozenFor time.Duration) string {
	if !bubble {
		if frozenFor > 0 {
			return fmt.Sprintf("stuck on the real clock: no RPC for %v and the same goroutines blocked %v apart, "+
				"%d of them blocked on a mutex (state sync.Mutex.Lock below)", still.Round(time.Second),
				frozenFor.Round(100*time.Millisecond), countLocked(stacks))
		}
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
	if frozenFor == 0 && still < limit/2 && !lastCall.IsZero() {
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
	if frozenFor > 0 {
		why = append(why, fmt.Sprintf("the same goroutines stayed blocked for %v, and nothing can wake them "+
			"(every other goroutine of the test waits for one of them or for the clock), so the watchdog stopped the test early",
			frozenFor.Round(100*time.Millisecond)))
	}
	if len(why) == 0 {
		why = append(why, "goroutines blocked on something outside the test (a real socket, a channel made outside the bubble)")
	}
	return fmt.Sprintf("virtual time stopped (%s; no RPC for %v of real time): "+
		"virtual time advances only when every goroutine of the test is blocked or sleeping; here: %s",
		rpcs, still.Round(time.Second), strings.Join(why, "; "))
}

// frozenState returns the states of the goroutines of every bubble whose
// virtual time can never advance again, or "" if there is none. A bubble is
// frozen when at least one of its goroutines waits for a mutex (so synctest
// does not advance the clock) and every other one is durably blocked (on a
// channel, a select, a sleep, a sync.Cond or a WaitGroup: only a goroutine
// of the bubble or its clock can wake it). Then no goroutine can ever run:
// the mutex's holder is among the durably blocked ones. A goroutine that
// runs, is runnable, or waits in a system call (a real socket) might still
// move, so such a bubble is not frozen. Two equal results a few seconds
// apart mean the same goroutines stayed in those states (the Go runtime
// marks durable states "(durable)" in a dump).
func frozenState(stacks []byte) string {
	type bubbleState struct {
		headers  []string
		locked   bool
		unfrozen bool
	}
	bubbles := map[string]*bubbleState{}
	var order []string
	for _, b := range bytes.Split(stacks, []byte("\n\n")) {
		id := bubbleRE.Find(b)
		if id == nil {
			continue
		}
		bs := bubbles[string(id)]
		if bs == nil {
			bs = &bubbleState{}
			bubbles[string(id)] = bs
			order = append(order, string(id))
		}
		header, _, _ := bytes.Cut(b, []byte("\n"))
		switch {
		case bytes.Contains(header, []byte("Mutex.Lock")) || bytes.Contains(header, []byte("Mutex.RLock")):
			bs.locked = true
		case !bytes.Contains(header, []byte("(durable)")):
			bs.unfrozen = true
		}
		// A dump adds how long a goroutine has waited ("2 minutes"),
		// which changes while nothing else does.
		bs.headers = append(bs.headers, string(waitedRE.ReplaceAll(header, nil)))
	}
	var out []string
	for _, id := range order {
		if bs := bubbles[id]; bs.locked && !bs.unfrozen {
			out = append(out, bs.headers...)
		}
	}
	return strings.Join(out, "\n")
}

// waitedRE matches the wait time in a goroutine header.
var waitedRE = regexp.MustCompile(`, \d+ minutes?`)

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
