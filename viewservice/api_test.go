package viewservice

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Kill stops every goroutine of the view service, whatever the harness's
// leak policy; a call after Kill gets no answer or a harmless one.
func TestKillStopsGoroutinesA(t *testing.T) {
	run(t, "Test (A): Kill stops the view service's goroutines", func(t *labtest.T, cfg *config) {
		cfg.until(settle, "s1 should be primary", is("s1", ""), cfg.pinger("s1"))
		cfg.cleanup() // and again, harmless, when the test ends
		t.CheckStopped(time.Second, "after Kill of the view service", "distlabs/viewservice")
	})
}
