package labtest_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// counter is a student's object whose method locks its mutex and calls
// another method that locks it again.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (c *counter) tick() {
	c.mu.Lock()
	c.n = c.get() + 1 // locks c.mu again: waits for itself
	c.mu.Unlock()
}

// pinger answers one labrpc call, so the run has RPCs to judge by.
type pinger struct{}

func (pinger) Ping(args *int, reply *int) { *reply = *args }

// selfDeadlock makes one RPC, then deadlocks in tick while the test's
// goroutine waits in get.
func selfDeadlock(t *labtest.T) {
	net := labrpc.MakeNetwork()
	defer net.Cleanup()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(pinger{}))
	net.AddServer("s", srv)
	end := net.MakeEnd("e")
	net.Connect("e", "s")
	net.Enable("e", true)
	var reply int
	end.Call("pinger.Ping", new(int), &reply)
	c := &counter{}
	go c.tick()
	time.Sleep(10 * time.Millisecond)
	c.get()
}

func TestFixtureSelfDeadlock(t *testing.T) {
	fixture(t)
	labtest.Run(t, selfDeadlock)
}

func TestFixtureSelfDeadlockRealtime(t *testing.T) {
	fixture(t)
	labtest.RunRealtime(t, selfDeadlock)
}

// TestWatchdogNamesTheSelfDeadlock: the verdict's reason (what the grader
// shows the student) names the waiting functions and the method that may
// hold the lock, in virtual time; on the real clock (the grader's rerun)
// the watchdog stops a labrpc test stuck on a mutex once the same picture
// has lasted a check interval (2 s for this 16 s limit), not at its limit,
// with the same names.
func TestWatchdogNamesTheSelfDeadlock(t *testing.T) {
	for _, c := range []struct {
		name, limit, first string
		suffix             bool
	}{
		// The reasons below come only from the early stop; at the limit
		// the watchdog gives another.
		{"TestFixtureSelfDeadlock", "16s", "watchdog: virtual time stopped (", true},
		{"TestFixtureSelfDeadlockRealtime", "16s", "watchdog: stuck on the real clock: ", false},
	} {
		out, got := runWithVerdicts(t, c.name, testNonce, labtest.WatchdogEnv+"="+c.limit)
		line := strings.TrimSuffix(got, "\n")
		assert.Contains(t, line, "fail "+c.name+" "+c.first, "%s\n%s", line, out)
		assert.Contains(t, line, "labtest_test.(*counter).get", line)
		assert.Contains(t, line, "below labtest_test.(*counter).tick", line)
		assert.Contains(t, line, "which may already hold it", line)
		assert.Equal(t, c.suffix, strings.HasSuffix(line, "; "+labtest.MutexStallReason), line)
	}
}
