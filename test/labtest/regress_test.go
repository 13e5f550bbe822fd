package labtest_test

import (
	"strings"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Regression: the leak check must run after the body's t.Cleanup functions
// and after t.Context() is cancelled, the idiomatic ways to stop goroutines;
// it used to run before them and reported such goroutines as leaks.
func TestFixtureCleanupStops(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		rn := labrpc.MakeNetwork()
		t.Cleanup(rn.Cleanup) // stops the accept loop below
		l, _ := rn.Listen("web:80")
		go func() {
			for {
				if _, err := l.Accept(); err != nil {
					return
				}
			}
		}()
	})
}

func TestFixtureContextStops(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		ctx := t.Context()
		go func() { <-ctx.Done() }()
	})
}

func TestRegressionCleanupIsNotALeak(t *testing.T) {
	for _, name := range []string{"TestFixtureCleanupStops", "TestFixtureContextStops"} {
		out, code := runFixture(t, name)
		if code != 0 {
			i := strings.Index(out, "labtest:")
			t.Errorf("%s: exit %d, reported as a leak:\n%s", name, code, out[i:min(len(out), i+600)])
		}
	}
}

// Regression: a body that fails with t.Fatal while the code under test
// still has a ticking goroutine must still report its failure message (the
// bubble cannot end, so the leak check stops the run after the grace
// period) instead of spinning virtual time until the watchdog.
func TestFixtureFatalWithTicker(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		go leakyTicker()
		t.Fatalf("the real failure message")
	})
}

func TestRegressionFatalWithRunningGoroutine(t *testing.T) {
	start := time.Now()
	out, code := runFixture(t, "TestFixtureFatalWithTicker", "-watchdog", "3s")
	t.Logf("exit %d after %v; failure message shown: %v; replay shown: %v",
		code, time.Since(start).Round(100*time.Millisecond),
		strings.Contains(out, "the real failure message"), strings.Contains(out, "--- replay"))
	if !strings.Contains(out, "the real failure message") {
		t.Errorf("the test's own failure message is lost")
	}
	if code == 0 || code == 3 {
		t.Errorf("exit %d: want a failure reported by the test itself, not a pass or the watchdog", code)
	}
}
