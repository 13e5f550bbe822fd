package labtest_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlabs/test/labtest"
)

// TestFixtureSleepUnderLock is the 2015 kvpaxos shape: a goroutine holds a
// mutex while it sleeps, another waits for the mutex, so virtual time stops
// for good.
func TestFixtureSleepUnderLock(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		var mu sync.Mutex
		go func() {
			mu.Lock()
			time.Sleep(time.Hour)
			mu.Unlock()
		}()
		time.Sleep(time.Millisecond)
		stuckOnMutex(&mu)
	})
}

// A bubble frozen on a mutex (every other goroutine durably blocked) is
// stopped as soon as the frozen picture has lasted a check interval, not
// at the limit, and with the diagnosis the grader's real-clock rerun
// needs. The early stop is told by its message, which the limit's stop
// does not print: no assertion on the real clock, which a loaded machine
// would make flaky.
func TestWatchdogStopsFrozenBubbleEarly(t *testing.T) {
	expectWatchdog(t, "TestFixtureSleepUnderLock", "16s",
		"virtual time stopped",
		"1 goroutine(s) blocked on a mutex",
		"so the watchdog stopped the test early",
		"labtest_test.stuckOnMutex",
	)
}

// holdWhileRunning holds mu while it runs until done is set: no sleep, so
// virtual time stands still, but the holder is running.
func holdWhileRunning(mu *sync.Mutex, locked chan<- struct{}, done *atomic.Bool) {
	mu.Lock()
	defer mu.Unlock()
	close(locked)
	for !done.Load() {
	}
}

// TestFixtureLockedCompute keeps a goroutine waiting for a mutex for 3 s of
// real time while the holder computes: virtual time is stopped, but not
// for good.
func TestFixtureLockedCompute(t *testing.T) {
	fixture(t)
	var done atomic.Bool
	// The real clock ends the computation (time inside the bubble is
	// virtual and does not move while it runs).
	stop := time.AfterFunc(3*time.Second, func() { done.Store(true) })
	defer stop.Stop()
	labtest.Run(t, func(t *labtest.T) {
		var mu sync.Mutex
		locked := make(chan struct{})
		go holdWhileRunning(&mu, locked, &done)
		<-locked // not a sleep: virtual time does not move while the holder runs
		mu.Lock()
		finished := done.Load()
		mu.Unlock()
		assert.True(t, finished, "the lock is free only once the holder is done")
	})
}

// No false alarm: a goroutine waiting for a mutex whose holder still runs
// is not a frozen bubble, however long the wait (here 3 s: four check
// intervals of 750ms, the watchdog compares the second and the third).
func TestWatchdogSparesRunningHolder(t *testing.T) {
	out, code := runFixture(t, "TestFixtureLockedCompute", "-watchdog", "6s")
	assert.Equal(t, 0, code, out)
	assert.NotContains(t, out, "watchdog")
}

// The watchdog's verdict says "on a mutex" only when a goroutine waited for
// one: the grader reruns a test on the real clock on that verdict alone
// (stoppedOnMutex in test/grade has these words), never on printed text.
func TestWatchdogVerdictNamesTheMutex(t *testing.T) {
	assert.Equal(t, "virtual time stopped on a mutex", labtest.MutexStallReason, "test/grade's stoppedOnMutex has these words")
	for _, c := range []struct {
		name, limit string
		mutex       bool
	}{
		{"TestFixtureSleepUnderLock", "8s", true},
		{"TestFixtureBusy", "1s", false},
	} {
		out, got := runWithVerdicts(t, c.name, testNonce, labtest.WatchdogEnv+"="+c.limit)
		line := strings.TrimSuffix(got, "\n")
		want := "distlabs-verdict " + testNonce + " fail " + c.name + " watchdog: virtual time stopped ("
		assert.True(t, strings.HasPrefix(line, want), "%s: verdict %q, want prefix %q\noutput:\n%s", c.name, line, want, out)
		assert.Equal(t, c.mutex, strings.HasSuffix(line, "; "+labtest.MutexStallReason), "%s: verdict %q", c.name, line)
	}
}
