package kvtest

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestReturns checks both answers: a call that returns in time, and one
// still running at the bound, which is abandoned without failing the test.
func TestReturns(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		if !Returns(t, time.Second, func() { time.Sleep(time.Millisecond) }) {
			t.Fatal("Returns = false for a call that returns after 1 ms, bound 1 s")
		}
		if Returns(t, time.Second, func() { time.Sleep(time.Hour) }) {
			t.Fatal("Returns = true for a call that takes an hour, bound 1 s")
		}
	})
}
