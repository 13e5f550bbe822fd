package chord

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Kill stops every goroutine of a node (its periodic tasks included),
// whatever the harness's leak policy: a ring forms, every node is killed,
// and nothing of package chord may still run a second later.
func TestKillStopsGoroutinesB(t *testing.T) {
	run(t, "Test (B): Kill stops every node's goroutines", DefaultConfig(), func(t *labtest.T, cfg *config) {
		t.StrictLeaks()
		cfg.ring(6)
		for _, n := range cfg.nodes() {
			cfg.kill(n)
		}
		t.CheckStopped(time.Second, "after every node was killed", "distlabs/chord")
	})
}
