package labtest

import "testing"

// Regression: the leak check dumps every goroutine of the process (parked
// leftovers of earlier tests included) and used to do so every 100 ms of its
// 5 s grace: with a real submission that parks a goroutine per timed-out
// RPC, its 2D tests ran into the watchdog inside the leak check. Leftovers
// that stay parked must cost a few dumps, not fifty.
func TestLeakCheckDumpsRarely(t *testing.T) {
	t.Setenv(LeaksEnv, "warn")
	var during int64
	Run(t, func(t *T) {
		ch := make(chan int)
		for range 200 {
			go func() { ch <- 1 }()
		}
		t.Cleanup(func() { during = dumps.Load() })
	})
	if n := dumps.Load() - during; n > 4 {
		t.Errorf("the leak check made %d full goroutine dumps for leftovers that never moved; want at most 4", n)
	}
}
