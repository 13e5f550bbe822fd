package kvtest

import (
	"time"

	"distlabs/test/labtest"
)

// Returns runs f, a call that may retry for good (a 6.824 Clerk's, which
// has no way to stop), in a harness goroutine (labtest.T.Background) and
// reports whether it returned within d of virtual time. A test of "a bad
// request is answered, not retried" fails on false; f is then abandoned
// and goes on unobserved until the bubble ends.
func Returns(t *labtest.T, d time.Duration, f func()) bool {
	done := make(chan struct{})
	t.Background(func() {
		defer close(done)
		f()
	})
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
