package kvpaxos

// Targeted tests of the lab's rules, through the API and what the network
// sees: the Clerk's retry rule and the Kill rule. Each cites the rule it
// checks.

import (
	"strings"
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
	run(t, 5, false, "a Clerk moves on from a server cut off alone", func(t *labtest.T, cfg *config) {
		h, ck := cfg.h, cfg.makeClerk() // server 0 first in its list; the only clerk
		h.Put(ck, 0, "k", "a")
		h.Expect(ck, 0, "k", "a") // served while everyone is connected
		server0 := cfg.g.ServerName(0)
		var answers atomic.Int32 // replies of server 0 to the clerk
		cfg.net.SetTrace(func(e labrpc.Event) {
			if e.To == server0 && strings.HasPrefix(e.Method, "KVPaxos.") &&
				(e.Outcome == labrpc.Delivered || e.Outcome == labrpc.DeliveredLate) {
				answers.Add(1)
			}
		})
		defer cfg.net.SetTrace(nil)

		cfg.g.Partition([]int{0}, []int{1, 2, 3, 4})
		done := background(func() { h.Append(ck, 0, "k", "b") })
		select {
		case <-done:
		case <-time.After(20 * sec):
			if a := answers.Load(); a >= 2 {
				t.Fatalf("an Append did not complete in 20 s while servers 1-4 were connected: server 0, cut off alone, answered the Clerk %d times without a result and the Clerk kept asking it", a)
			}
		}
		cfg.g.ConnectAll()
		cfg.waitDone(done, 10*sec, "the Append did not complete within 10 s of healing")
		h.Expect(ck, 0, "k", "ab")
		cfg.end()
	})
}

// TestKillStopsGoroutinesB checks the Kill rule whatever the harness's
// leak policy is.
//
// The lab's rule: after Kill every goroutine of the server exits, those of
// its Paxos peer included, even with requests still waiting for a decision
// (here: a minority partition with clients queued on it).
func TestKillStopsGoroutinesB(t *testing.T) {
	const n = 3
	run(t, n, false, "Kill stops every goroutine", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		cfg.h.Put(ck, 0, "a", "1")
		cfg.h.Expect(ck, 0, "a", "1")
		cfg.g.Partition() // everyone alone: nothing can be decided
		cks := cfg.clerksOn(0, 1, 2)
		queued := background(func() {
			parallel(n, func(c int) { cfg.h.Append(cks[c], 1+c, "a", "x") })
		})
		time.Sleep(3 * sec)
		cfg.stopWatch()
		cfg.g.Shutdown()
		cfg.h.Stop()
		<-queued
		t.CheckStopped(3*sec, "after every server was killed", "distlabs/paxos/kvpaxos", "distlabs/paxos")
		cfg.end()
	})
}
