package labtest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
	"distlabs/test/labtest/internal/spin"
)

const spinPkg = "distlabs/test/labtest/internal/spin"

// TestRunningCountsPackageCode: Running lists the goroutines running code
// of the named package's non-test files, and not the tests' own goroutines,
// Background helpers or goroutines of a package nested below another.
func TestRunningCountsPackageCode(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		stop := make(chan struct{})
		spin.Start(stop)
		go func() { <-stop }()                   // the test's own
		t.Background(func() { spin.Wait(stop) }) // an abandoned request
		left := t.Running(spinPkg)
		require.Len(t, left, 1, "%v", left)
		assert.Contains(t, left[0], "spin.Wait")
		assert.Empty(t, t.Running("distlabs/test/labtest_test"), "goroutines in _test.go files")
		assert.Empty(t, t.Running("distlabs/test/labtest/internal"), "a package nested below")
		close(stop)
		assert.Empty(t, t.Running(spinPkg), "after stop")
		t.CheckStopped(time.Second, "after stop", spinPkg)
	})
}

// TestFixtureNotStopped leaves a goroutine of spin that a timer starts
// after Kill.
func TestFixtureNotStopped(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		stop := make(chan struct{})
		defer close(stop)
		spin.StartLate(time.Second, stop)
		t.CheckStopped(2*time.Second, "after every peer was killed", spinPkg)
	})
}

// TestCheckStoppedFails: CheckStopped waits the whole of within, so it
// sees a goroutine a timer starts late, and fails with its stack.
func TestCheckStoppedFails(t *testing.T) {
	out, code := runFixture(t, "TestFixtureNotStopped")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "--- FAIL: TestFixtureNotStopped")
	assert.Contains(t, out, "1 goroutine(s) of "+spinPkg+" still running 2s (virtual) after every peer was killed")
	assert.True(t, strings.Contains(out, "spin.Wait"), "the goroutine's stack:\n%s", out)
}
