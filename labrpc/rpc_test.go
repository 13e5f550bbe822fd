package labrpc_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/test/labtest"
)

func TestBasic(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		var s string
		require.True(t, e.Call("Probe.Label", 37, &s))
		assert.Equal(t, "label-37", s)
		var n int
		require.True(t, e.Call("Probe.Atoi", "-4711", &n))
		assert.Equal(t, -4711, n)
		var r ProbeReply
		require.True(t, e.Call("Probe.Echo", &StringArgs{S: "pointer args"}, &r))
		assert.Equal(t, "pointer args", r.X)

		assert.Equal(t, 3, rn.GetCount("server"))
		assert.Equal(t, 3, rn.GetTotalCount())
		assert.Positive(t, rn.GetTotalBytes())
		assert.EqualValues(t, 3, pr.calls.Load())
		assert.Equal(t, 0, rn.GetCount("nobody"))
	})
}

func TestDisabledEnd(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		rn.Enable("end", false)
		start := time.Now()
		var s string
		assert.False(t, e.Call("Probe.Label", 1, &s))
		assert.Less(t, time.Since(start), 100*time.Millisecond+time.Millisecond)
		assert.Zero(t, pr.calls.Load(), "a disabled end must not reach the handler")

		unconnected := rn.MakeEnd("lonely")
		rn.Enable("lonely", true)
		assert.False(t, unconnected.Call("Probe.Label", 1, &s))

		rn.Enable("end", true)
		assert.True(t, e.Call("Probe.Label", 1, &s))
	})
}

func TestDeletedServer(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		rn.DeleteServer("server")
		var s string
		assert.False(t, e.Call("Probe.Label", 1, &s))
		assert.Zero(t, pr.calls.Load())
	})
}

// A call in flight when its server is deleted must not return a positive
// reply, even if the handler later completes (the 6.824 harness relies on
// this when it swaps in a crashed server's persister).
func TestDeleteServerDuringCall(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		pr.gate = make(chan struct{})
		result := make(chan bool)
		start := time.Now()
		go func() {
			var r ProbeReply
			result <- e.Call("Probe.Slow", ProbeArgs{}, &r)
		}()
		time.Sleep(time.Second)
		rn.DeleteServer("server")
		ok := <-result
		assert.False(t, ok, "a deleted server gave a positive reply")
		assert.Less(t, time.Since(start), time.Second+150*time.Millisecond,
			"the caller should learn of the deletion within the 100 ms check period")
		close(pr.gate) // let the handler finish
		time.Sleep(time.Millisecond)
	})
}

// The handler finishes after DeleteServer but before the next periodic check:
// the reply must still be suppressed.
func TestDeleteServerThenReply(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		pr.gate = make(chan struct{})
		result := make(chan bool)
		go func() {
			var r ProbeReply
			result <- e.Call("Probe.Slow", ProbeArgs{}, &r)
		}()
		time.Sleep(10 * time.Millisecond)
		rn.DeleteServer("server")
		close(pr.gate)
		assert.False(t, <-result)
	})
}

func TestReplacedServer(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		js2 := &Probe{}
		rs2 := labrpc.MakeServer()
		rs2.AddService(labrpc.MakeService(js2))
		rn.AddServer("server", rs2)
		var s string
		require.True(t, e.Call("Probe.Label", 5, &s))
		assert.EqualValues(t, 1, js2.calls.Load())
	})
}

func TestUnknownMethodPanics(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, e, _ := setup(t)
		var s string
		assert.PanicsWithValue(t,
			`labrpc: unknown method "Probe.NoSuch"; service Probe has methods [Atoi Echo Label Slow] `+
				`(a handler must be an exported method func(args T, reply *R) with no results)`,
			func() { e.Call("Probe.NoSuch", 1, &s) })
		assert.Panics(t, func() { e.Call("Nobody.Label", 1, &s) })
		assert.Panics(t, func() { e.Call("NoDot", 1, &s) })
		assert.Panics(t, func() { e.Call("Probe.NotAHandler", 1, &s) })
	})
}

func TestNonPointerReplyPanics(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, e, _ := setup(t)
		var s string
		assert.PanicsWithValue(t, "labrpc: Call(\"Probe.Label\"): reply must be a non-nil pointer, got string",
			func() { e.Call("Probe.Label", 1, s) })
		assert.Panics(t, func() { e.Call("Probe.Label", 1, (*string)(nil)) })
	})
}

func TestDuplicateEndPanics(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, _, _ := setup(t)
		assert.Panics(t, func() { rn.MakeEnd("end") })
	})
}

// Over 10 000 unreliable calls, about 10% of requests and 10% of replies
// are lost; the handler runs exactly for the requests that were not.
func TestUnreliableRates(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, pr := setup(t)
		rn.Reliable(false)
		const n = 10000
		ok := 0
		for i := 0; i < n; i++ {
			var s string
			if e.Call("Probe.Label", i, &s) {
				ok++
				require.Equal(t, fmt.Sprintf("label-%d", i), s)
			}
		}
		ran := int(pr.calls.Load())
		reqDrop := float64(n-ran) / n
		replyDrop := float64(ran-ok) / float64(ran)
		t.Logf("request drops %.3f, reply drops %.3f", reqDrop, replyDrop)
		assert.InDelta(t, 0.10, reqDrop, 0.02)
		assert.InDelta(t, 0.10, replyDrop, 0.02)
		assert.Equal(t, ran, rn.GetCount("server"))
	})
}

// Unreliable requests are delayed 0–26 ms.
func TestUnreliableDelay(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		rn.SetLatency(0) // the fault model alone
		rn.Reliable(false)
		var maxd, total time.Duration
		for i := 0; i < 1000; i++ {
			start := time.Now()
			var s string
			e.Call("Probe.Label", i, &s)
			d := time.Since(start)
			total += d
			maxd = max(maxd, d)
		}
		assert.LessOrEqual(t, maxd, 26*time.Millisecond)
		assert.InDelta(t, 13, (total/1000).Seconds()*1000, 2, "mean delay in ms")
	})
}

// Every message takes DefaultLatency one way, so a reliable call takes
// twice that; and a client that retries without sleeping still lets virtual
// time run, so the timer it waits for fires (with zero latency the loop
// below would spin at one instant forever).
func TestDefaultLatency(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		start := time.Now()
		var s string
		require.True(t, e.Call("Probe.Label", 1, &s))
		assert.Equal(t, 2*labrpc.DefaultLatency, time.Since(start))

		var ready atomic.Bool
		time.AfterFunc(time.Second, func() { ready.Store(true) })
		calls := 0
		for !ready.Load() {
			e.Call("Probe.Label", 1, &s)
			calls++
		}
		// The last call may end at the very instant the timer fires.
		assert.InDelta(t, int(time.Second/(2*labrpc.DefaultLatency)), calls, 1)

		rn.SetLatency(0)
		start = time.Now()
		require.True(t, e.Call("Probe.Label", 1, &s))
		assert.Zero(t, time.Since(start), "SetLatency(0): instantaneous, as in 6.824")
	})
}

func TestLongReordering(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		rn.SetLatency(0) // the fault model alone
		rn.LongReordering(true)
		late := 0
		const n = 900
		for i := 0; i < n; i++ {
			start := time.Now()
			var s string
			require.True(t, e.Call("Probe.Label", i, &s))
			d := time.Since(start)
			if d > 0 {
				late++
				assert.GreaterOrEqual(t, d, 200*time.Millisecond)
				assert.LessOrEqual(t, d, 2200*time.Millisecond)
			}
		}
		assert.InDelta(t, 2.0/3, float64(late)/n, 0.06)
	})
}

// With LongDelays, calls to an unreachable server take up to 7 s to fail;
// several virtual minutes of them must take well under a second of real
// time (the point of running in a bubble).
func TestLongDelaysVirtualTime(t *testing.T) {
	wall := time.Now()
	runVirtual(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		rn.LongDelays(true)
		rn.Enable("end", false)
		start := time.Now()
		var maxd time.Duration
		calls := 0
		for time.Since(start) < 5*time.Minute {
			t0 := time.Now()
			var s string
			assert.False(t, e.Call("Probe.Label", 1, &s))
			maxd = max(maxd, time.Since(t0))
			calls++
		}
		assert.Greater(t, maxd, 5*time.Second, "long delays should reach several seconds")
		assert.Less(t, maxd, 7*time.Second)
		t.Logf("%d calls over %v of virtual time", calls, time.Since(start).Round(time.Second))
	})
	if !labtest.Realtime() {
		assert.Less(t, time.Since(wall), time.Second, "virtual minutes must not take real time")
	}
}

// Many clients calling concurrently, each on its own end, all get their own
// answers.
func TestConcurrentClients(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, _, pr := setup(t)
		const clients, calls = 20, 50
		var bad atomic.Int64
		callers(rn, "client", clients, "server", func(c int, e *labrpc.ClientEnd) {
			for i := 0; i < calls; i++ {
				v := 1000*c + i
				var s string
				if !e.Call("Probe.Label", v, &s) || s != fmt.Sprintf("label-%d", v) {
					bad.Add(1)
				}
			}
		}).Wait()
		assert.Zero(t, bad.Load())
		assert.EqualValues(t, clients*calls, pr.calls.Load())
		assert.Equal(t, clients*calls, rn.GetCount("server"))
	})
}

// Concurrent load while the network is unreliable and servers come and go:
// every positive reply is the right one, and the race detector stays quiet.
func TestConcurrentChaos(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, _, _ := setup(t)
		rn.Reliable(false)
		rn.LongReordering(true)
		stop := make(chan struct{})
		wg := callers(rn, "client", 10, "server", func(_ int, e *labrpc.ClientEnd) {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var s string
				if e.Call("Probe.Label", i, &s) {
					assert.Equal(t, fmt.Sprintf("label-%d", i), s)
				}
			}
		})
		for i := 0; i < 20; i++ {
			time.Sleep(200 * time.Millisecond)
			if i%2 == 0 {
				rn.DeleteServer("server")
			} else {
				serveOn(rn, "server", &Probe{})
			}
			rn.Enable(fmt.Sprintf("client%d", i%10), i%3 != 0)
		}
		close(stop)
		rn.Cleanup() // unblocks reordered replies so the clients can stop
		wg.Wait()
	})
}

func TestCleanupStopsCalls(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn, e, _ := setup(t)
		rn.LongDelays(true)
		rn.Enable("end", false)
		done := make(chan bool)
		go func() {
			var s string
			done <- e.Call("Probe.Label", 1, &s)
		}()
		time.Sleep(time.Millisecond)
		start := time.Now()
		rn.Cleanup()
		assert.False(t, <-done)
		assert.Less(t, time.Since(start), time.Millisecond)
		var s string
		assert.False(t, e.Call("Probe.Label", 1, &s))
	})
}

// Regression: with LongReordering, a reply held back 200-2200 ms must not
// be delivered if DeleteServer ran during the hold-back.
func TestRegressionNoLateReplyAfterDeleteServer(t *testing.T) {
	inBubble(t, 7, func(t *testing.T, rn *labrpc.Network) {
		serveOn(rn, "s", &RevSvc{})
		rn.LongReordering(true)
		var mu sync.Mutex
		var deletedAt time.Time
		positiveAfterDelete := 0
		wg := callers(rn, "e", 20, "s", func(_ int, e *labrpc.ClientEnd) {
			var r RevReply
			ok := e.Call("RevSvc.AE", 2, &r)
			mu.Lock()
			defer mu.Unlock()
			if ok && !deletedAt.IsZero() {
				positiveAfterDelete++
			}
		})
		time.Sleep(50 * time.Millisecond) // handlers done, replies held back
		rn.DeleteServer("s")
		mu.Lock()
		deletedAt = time.Now()
		mu.Unlock()
		wg.Wait()
		if positiveAfterDelete > 0 {
			t.Errorf("%d of 20 calls returned true after DeleteServer returned", positiveAfterDelete)
		}
	})
}

// Regression: decoding a reply into a reused, non-zero reply value must
// warn, as 6.824's labgob does (the classic stale-field bug).
func TestRegressionNonZeroReplyWarns(t *testing.T) {
	inBubble(t, 1, func(t *testing.T, rn *labrpc.Network) {
		serveOn(rn, "s", &RevSvc{})
		e := endTo(rn, "e", "s")
		r := RevReply{Term: 9, Success: true} // reused reply
		before := labgob.Warnings()
		e.Call("RevSvc.AE", 3, &r) // handler sets Success=false (zero: not sent by gob)
		t.Logf("reply after call: %+v (handler said Success=false)", r)
		if labgob.Warnings() == before {
			t.Errorf("no labgob warning for decoding into a non-zero reply; stale Success=%v survived", r.Success)
		}
	})
}
