package labtest_test

import (
	"os"
	"os/exec"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/internal/testutil"
	"distlabs/test/labtest"
)

// The harness is tested by running fixture tests of this very binary in a
// child process (they are skipped unless fixtureEnv is set) and reading what
// they print and how they exit.
const fixtureEnv = "LABTEST_FIXTURE"

func fixture(t *testing.T) {
	testutil.ChildOnly(t, fixtureEnv, "fixture: run by the harness's own tests")
}

// runFixture runs one fixture test in a child process, verbose, with
// strict leak checks.
func runFixture(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	return runFixtureEnv(t, []string{labtest.LeaksEnv + "=strict"}, "^"+name+"$", append([]string{"-test.v"}, args...)...)
}

// expectWatchdog runs fixture name with the watchdog's real-time limit and
// checks that the watchdog stopped it (exit code 3) with output holding each
// of want; it returns the output for further checks.
func expectWatchdog(t *testing.T, name, limit string, want ...string) string {
	t.Helper()
	out, code := runFixture(t, name, "-watchdog", limit)
	assert.Equal(t, 3, code, out)
	expectOutput(t, out, want...)
	return out
}

// runFixtureEnv runs the fixture tests matching pattern in a child process
// with extra environment variables.
func runFixtureEnv(t *testing.T, env []string, pattern string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run", pattern}, args...)...)
	cmd.Env = append(append(os.Environ(), fixtureEnv+"=1"), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running fixture %s: %v", pattern, err)
	}
	return string(out), code
}

// expectOutput checks that a fixture's output holds each of want.
func expectOutput(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		assert.Contains(t, out, w)
	}
}

// TestFixtureFail fails with a message that depends on every kind of
// seeded randomness: T.Rand and labrpc's fault schedule.
func TestFixtureFail(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(&Counter{}))
		rn.AddServer("s", rs)
		e := rn.MakeEnd("e")
		rn.Connect("e", "s")
		rn.Enable("e", true)
		rn.Reliable(false)
		ok := 0
		for i := 0; i < 100; i++ {
			var r int
			if e.Call("Counter.Inc", 1, &r) {
				ok++
			}
		}
		t.Fatalf("draw=%d ok=%d", t.Rand.IntN(1_000_000_000), ok)
	})
}

// Counter is the fixture's RPC service.
type Counter struct{}

// Inc replies with its argument plus one.
func (c *Counter) Inc(args int, reply *int) { *reply = args + 1 }

var (
	replayRE = regexp.MustCompile(`--- replay: go test \./test/labtest -run '\^TestFixtureFail\$' -seed (\d+)`)
	drawRE   = regexp.MustCompile(`draw=\d+ ok=\d+`)
)

// A failing test prints the command that replays it, and that command
// reproduces the same failure.
func TestReplayReproducesFailure(t *testing.T) {
	out, code := runFixture(t, "TestFixtureFail")
	require.NotZero(t, code, out)
	m := replayRE.FindStringSubmatch(out)
	require.NotNil(t, m, "no replay command in:\n%s", out)
	first := drawRE.FindString(out)
	require.NotEmpty(t, first)

	again, code := runFixture(t, "TestFixtureFail", "-seed", m[1])
	require.NotZero(t, code)
	assert.Equal(t, first, drawRE.FindString(again), "the replay must reproduce the failure exactly")
	assert.Contains(t, again, "-seed "+m[1])

	viaEnv := exec.Command(os.Args[0], "-test.run", "^TestFixtureFail$")
	viaEnv.Env = append(os.Environ(), fixtureEnv+"=1", labtest.SeedEnv+"="+m[1])
	envOut, _ := viaEnv.CombinedOutput()
	assert.Equal(t, first, drawRE.FindString(string(envOut)), "the environment variable sets the seed too")

	other, _ := runFixture(t, "TestFixtureFail", "-seed", m[1]+"1")
	assert.NotEqual(t, first, drawRE.FindString(other), "another seed, another run")
}

func TestFixtureLeak(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		go leakyTicker()
	})
}

func leakyTicker() {
	for {
		time.Sleep(time.Second)
	}
}

// A goroutine left running after the body fails the test with its stack.
func TestLeakIsReported(t *testing.T) {
	out, code := runFixture(t, "TestFixtureLeak")
	require.NotZero(t, code, out)
	assert.Contains(t, out, "goroutine(s) still running")
	assert.Contains(t, out, "labtest_test.leakyTicker", "the leaked goroutine's stack")
	assert.Regexp(t, `--- replay: go test \./test/labtest -run '\^TestFixtureLeak\$' -seed \d+`, out)
}

func TestFixtureStuck(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		var mu sync.Mutex
		mu.Lock()
		stuckOnMutex(&mu)
	})
}

func stuckOnMutex(mu *sync.Mutex) { mu.Lock() }

// A bubble blocked on a mutex never advances virtual time; the real-time
// watchdog says so in words the grader relies on (stoppedOnMutex in
// test/grade reruns such a test on the real clock), and
// stops it with a goroutine dump.
func TestWatchdogStopsStuckTest(t *testing.T) {
	out := expectWatchdog(t, "TestFixtureStuck", "500ms",
		"--- FAIL: TestFixtureStuck (watchdog)", "virtual time stopped", "1 goroutine(s) blocked on a mutex")
	// Frozen for good (its only goroutine waits for a mutex it holds): the
	// watchdog stops it at its first confirmation, before the limit.
	assert.Regexp(t, `still running after \d+ms of real time`, out)
	assert.Contains(t, out, "labtest_test.stuckOnMutex", "the dump shows where it is stuck")
}

func TestFixtureBusy(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		var done atomic.Bool
		spinUntil(&done)
	})
}

func spinUntil(done *atomic.Bool) {
	for !done.Load() {
	}
}

// A busy loop freezes virtual time too; the watchdog names it.
func TestWatchdogNamesBusyLoop(t *testing.T) {
	expectWatchdog(t, "TestFixtureBusy", "1s",
		"virtual time stopped", "busy-looping without sleeping", "labtest_test.spinUntil")
}

func TestFixtureProgress(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (2A): progress line")
		time.Sleep(2500 * time.Millisecond)
		t.Passed(3, 42, 4096, 7)
	})
}

// Progress lines have the 6.824 shape, with virtual seconds.
func TestProgressLines(t *testing.T) {
	out, code := runFixture(t, "TestFixtureProgress")
	require.Zero(t, code, out)
	assert.Contains(t, out, "Test (2A): progress line ...\n")
	assert.Regexp(t, `  \.\.\. Passed --   2\.5  3    42    4096    7  \(cpu \d+\.\d\ds\)`, out)
}

// Virtual time: an hour of sleeping takes no real time, and T.Rand is
// seeded.
func TestVirtualTimeAndSeed(t *testing.T) {
	wall := time.Now()
	var seed int64
	var draw int
	labtest.Run(t, func(t *labtest.T) {
		start := time.Now()
		time.Sleep(time.Hour)
		if !labtest.Realtime() {
			assert.Equal(t, time.Hour, time.Since(start))
		}
		seed, draw = t.Seed, t.Rand.IntN(1000)
	})
	if !labtest.Realtime() {
		// The hour was virtual: far less real time passed. The bound is
		// loose so that no load on the machine can trip it.
		assert.Less(t, time.Since(wall), time.Minute)
	}
	labtest.Run(t, func(t *labtest.T) {
		if t.Seed == seed {
			assert.Equal(t, draw, t.Rand.IntN(1000), "same seed, same draws")
		}
	})
}

func TestReplayCommandShape(t *testing.T) {
	assert.Equal(t, "go test ./test/labtest -run '^TestX2A$' -seed 4711 -timeline TestX2A.html", labtest.ReplayCommand("TestX2A", 4711))
	assert.Equal(t, "go test ./test/labtest -run '^TestX$' -seed -5 -timeline TestX.html", labtest.ReplayCommand("TestX/sub", -5))

}
