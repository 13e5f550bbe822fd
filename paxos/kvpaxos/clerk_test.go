package kvpaxos

// A targeted test of the Clerk's retry rule, through the API and what the
// network sees.

import (
	"sync/atomic"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// TestClerkMovesOnB checks that a Clerk whose server is cut off from the
// others tries the rest.
//
// The lab's rules: a Clerk tries the servers in turn until one answers
// with a result (client.go; the 2015 skeleton: it "keeps trying forever
// in the face of all other errors"), and a server cut off from the
// majority can complete no operation (TestPartitionB). So a server that
// answers without a result, as one in a minority does, is no use to ask
// again while four others serve. A 2015 server that instead blocks until
// its instance is decided leaves its Clerk waiting in the call, which the
// lab allows: the test fails only if server 0, cut off alone, answered
// the Clerk at least twice and the request still had not completed 20 s
// later. Once healed, the request completes within 10 s.
func TestClerkMovesOnB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): a Clerk moves on from a server cut off alone")
		ck := cfg.makeClerk() // server 0 first in its list
		cfg.Put(ck, 0, "k", "a")
		cfg.check(ck, 0, "k", "a") // served while everyone is connected
		cfg.mu.Lock()
		to0 := cfg.clerkTo[ck][0] // the clerk's end to server 0
		cfg.mu.Unlock()
		var answers atomic.Int32 // replies of server 0 to the clerk
		cfg.net.SetTrace(func(e labrpc.Event) {
			if e.From == to0 && (e.Outcome == labrpc.Delivered || e.Outcome == labrpc.DeliveredLate) {
				answers.Add(1)
			}
		})
		defer cfg.net.SetTrace(nil)

		cfg.partition([]int{0}, []int{1, 2, 3, 4})
		done := make(chan struct{})
		go func() {
			cfg.Append(ck, 0, "k", "b")
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(20 * sec):
			if a := answers.Load(); a >= 2 {
				t.Fatalf("an Append did not complete in 20 s while servers 1-4 were connected: server 0, cut off alone, answered the Clerk %d times without a result and the Clerk kept asking it", a)
			}
		}
		cfg.heal()
		select {
		case <-done:
		case <-time.After(10 * sec):
			t.Fatalf("the Append did not complete within 10 s of healing")
		}
		cfg.check(ck, 0, "k", "ab")
		cfg.end()
	})
}
