package kvraft

// Requests whose caller is gone: a server request that gives up (its Clerk
// has stopped listening) while or after its entry commits, and a Clerk's
// retry that reaches the service after a snapshot and a restart of every
// server. Only the public API is used (Clerk, StartKVServer, Kill), so
// these tests grade any submission.

import (
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// within runs op in a goroutine and fails the test if it does not return
// within d: the service must keep serving once a majority is up. op must
// not call t.Fatal (it does not run on the test's goroutine).
func within(t *labtest.T, d time.Duration, what string, op func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		op()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v with every server up: the service is stuck", what, d)
	}
}

// leaderOf returns the current leader after an operation made one known.
func leaderOf(t *labtest.T, cfg *config) int {
	t.Helper()
	l, ok := cfg.leader()
	if !ok {
		t.Fatalf("an operation returned, yet no server's Raft leads: does the Clerk return without a server's answer " +
			"(client.go), or a server answer before its operation committed (server.go)?")
	}
	return l
}

// abandonedAppend makes ck (connected only to the leader) send
// Append(key, value) while the leader cannot commit it, cuts ck off so
// the reply is lost, and waits wait before bringing the followers back,
// so that the leader's request handler may give up before, while or
// after the entry is applied. ck's Append call keeps retrying in its own
// goroutine; the returned channel is closed when it returns.
func abandonedAppend(t *labtest.T, cfg *config, ck *Clerk, key, value string, wait time.Duration) chan struct{} {
	t.Helper()
	leader := leaderOf(t, cfg)
	cfg.connectClient(ck, []int{leader})
	done := lostReply(cfg, leader, ck, func() { ck.Append(key, value) })
	time.Sleep(wait)
	cfg.restartFollowers(leader)
	return done
}

// lostReply crashes every follower, so that the leader cannot commit, has
// ck send op (in a goroutine of its own, retrying until it returns, which
// closes done) and cuts ck off once the request reached the leader, so
// that its reply is lost.
func lostReply(cfg *config, leader int, ck *Clerk, op func()) (done chan struct{}) {
	cfg.shutdownFollowers(leader)
	done = make(chan struct{})
	go func() {
		defer close(done)
		op()
	}()
	time.Sleep(100 * time.Millisecond) // the request reaches the leader
	cfg.cutClient(ck)
	return done
}

// shutdownFollowers crashes every server but leader, so that the leader
// cannot commit.
func (cfg *config) shutdownFollowers(leader int) {
	for i := 0; i < cfg.n; i++ {
		if i != leader {
			cfg.g.Crash(i)
		}
	}
}

// restartFollowers restarts the servers shutdownFollowers crashed and
// connects every server.
func (cfg *config) restartFollowers(leader int) {
	for i := 0; i < cfg.n; i++ {
		if i != leader {
			cfg.g.Start(i)
		}
	}
	cfg.g.ConnectAll()
}

// TestAbandonedRequest3A checks that a request handler that stops waiting
// does not stall the service.
//
// Rule (lab 3A, "handle the case in which a leader has called Start() but
// loses its chance to reply"): the server's apply loop applies every
// committed entry in order and must never wait for the RPC handler that
// started it; that handler may have given up before, at the moment of or
// after the apply. A blocked apply loop also blocks Raft's applyCh, so the
// replica, and soon the service, stops. The wait before the followers
// return sweeps past the point where typical handlers time out, so the
// entry is applied just before, at and after the give-up.
func TestAbandonedRequest3A(t *testing.T) {
	const n = 3
	cluster(t, n, false, -1, "Test: a request that gives up does not block the apply loop (3A)", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())
		ck.Put("k", "")
		waits := []time.Duration{0, 200, 450, 700, 900, 950, 1000, 1050, 1100, 1250, 1500, 2100, 3100}
		for round, w := range waits {
			lost := cfg.makeClient(nil)
			done := abandonedAppend(t, cfg, lost, "k", "x", w*time.Millisecond)
			within(t, 10*time.Second, "a Put after an abandoned request", func() { ck.Put("p", "v") })
			cfg.connectClient(lost, cfg.g.All())
			within(t, 10*time.Second, "the abandoned Clerk's retry", func() { <-done })
			var got string
			within(t, 10*time.Second, "a Get", func() { got = ck.Get("k") })
			if want := strings.Repeat("x", round+1); got != want {
				t.Fatalf("after %d abandoned appends of x (wait %v) k = %q, want %q", round+1, w*time.Millisecond, got, want)
			}
			cfg.deleteClient(lost)
		}
	})
}

// TestDuplicateAfterRestore3B checks that the duplicate table survives a
// snapshot and a restart of every server.
//
// Rule (lab 3A/3B, exactly-once semantics): a Clerk retries a request whose
// reply it lost, and the service must apply it once. Once the log is
// compacted, the snapshot is the only record that the first attempt was
// applied, so it must carry the duplicate table along with the key/value
// state; a server restored from a snapshot without it applies the retry a
// second time.
func TestDuplicateAfterRestore3B(t *testing.T) {
	const n = 3
	const maxraftstate = 1000
	cluster(t, n, false, maxraftstate, "Test: duplicate detection survives snapshot and restart (3B)", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())
		ck.Put("k", "a")
		lost := cfg.makeClient(nil)
		done := abandonedAppend(t, cfg, lost, "k", "x", 0)
		// With the reference the Append commits once the followers are
		// back; an implementation may instead lose the uncommitted entry
		// to a new leader, and then the retry below is the first attempt.
		if got := ck.Get("k"); got != "ax" && got != "a" {
			t.Fatalf("k = %q after one Append of x to \"a\", want \"ax\" (or \"a\" if the entry was lost)", got)
		}

		// Enough writes to compact the log several times over, so the
		// Append's entry survives only in a snapshot.
		for i := 0; i < 40; i++ {
			ck.Put("fill", strings.Repeat("f", 50))
		}
		if cfg.snapshotSize() == 0 {
			t.Fatalf("no server made a snapshot with maxraftstate %d after 40 writes of 50 bytes", maxraftstate)
		}
		for i := 0; i < n; i++ {
			cfg.g.Crash(i)
		}
		for i := 0; i < n; i++ {
			cfg.g.Start(i)
		}
		cfg.g.ConnectAll()

		// The lost Clerk's retry now arrives at restored servers.
		cfg.connectClient(lost, cfg.g.All())
		within(t, 10*time.Second, "the retried Append", func() { <-done })
		if got := ck.Get("k"); got != "ax" {
			t.Fatalf("k = %q after the retry of an Append that had committed before the snapshot, want \"ax\"", got)
		}
	})
}

// TestRetryBeforeCommit3A checks that a retry which reaches the leader
// while the first attempt is still uncommitted in its log is applied once.
//
// Rule (lab 3A, exactly-once semantics; "a duplicate request may already
// be in the log"): a handler that looks the request up in the duplicate
// table before calling Start cannot see an attempt that is in the log but
// not yet applied, so it starts a second copy; the apply loop must
// recognise that copy as a duplicate when it reaches it. The test makes the
// second copy for certain: the leader cannot commit, the Clerk loses the
// reply to its first attempt and retries, then the followers come back and
// both copies commit.
func TestRetryBeforeCommit3A(t *testing.T) {
	const n = 3
	cluster(t, n, false, -1, "Test: a retry that reaches the log before the first attempt commits is applied once (3A)", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())
		ck.Put("k", "a")
		// A Get first, so that the Clerk's next request goes straight to
		// the leader.
		lost := cfg.makeClient(cfg.g.All())
		lost.Get("k")
		leader := leaderOf(t, cfg)
		// The first attempt is in the leader's log; its reply is lost.
		done := lostReply(cfg, leader, lost, func() { lost.Append("k", "x") })
		time.Sleep(300 * time.Millisecond)
		cfg.connectClient(lost, []int{leader}) // the retry reaches the leader
		time.Sleep(500 * time.Millisecond)
		cfg.restartFollowers(leader)
		cfg.connectClient(lost, cfg.g.All())
		within(t, 10*time.Second, "the retried Append", func() { <-done })
		var got string
		within(t, 10*time.Second, "a Get", func() { got = ck.Get("k") })
		if got != "ax" {
			t.Fatalf("k = %q after one Append of x to \"a\" whose retry reached the leader before the first attempt committed, want \"ax\"", got)
		}
	})
}

// TestRetriedPutOnce3A checks that a Put whose reply was lost is applied
// once, even when another client's write lands between its first attempt
// and its retry.
//
// Rule (lab 3A, exactly-once semantics: "the request should execute just
// once", for Put as for Append; and linearizability): a Put is not
// idempotent once other clients write the same key. The test makes the
// schedule certain: one Clerk's Put(k, x) reaches the leader while the
// leader cannot commit, the Clerk is cut off so that the reply is lost,
// the followers come back and the Put commits; a second Clerk's Append(k,
// y) then completes and a Get sees "xy"; only then does the first Clerk's
// retry reach the service. Applying the retry again would set k back to
// "x", erasing an Append that a completed Get has observed; the history
// is also checked with porcupine.
func TestRetriedPutOnce3A(t *testing.T) {
	const n = 3
	cluster(t, n, false, -1, "Test: a retried Put is applied once, after another client's Append (3A)", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())
		cfg.h.Put(ck, 0, "k", "a")
		// A Get first, so that the Clerk's Put goes straight to the leader.
		lost := cfg.makeClient(cfg.g.All())
		cfg.h.Get(lost, 1, "k")
		leader := leaderOf(t, cfg)
		// The first attempt is in the leader's log; its reply will be lost.
		done := lostReply(cfg, leader, lost, func() { cfg.h.Put(lost, 1, "k", "x") })
		cfg.restartFollowers(leader) // the first attempt can commit

		within(t, 10*time.Second, "an Append", func() { cfg.h.Append(ck, 0, "k", "y") })
		var mid string
		within(t, 10*time.Second, "a Get", func() { mid = cfg.h.Get(ck, 0, "k") })
		// With the reference the Put commits once the followers are back;
		// an implementation may instead lose the uncommitted entry to a
		// new leader, and then the retry below is the first attempt.
		var want string
		switch mid {
		case "xy":
			want = "xy"
		case "ay":
			want = "x"
		default:
			t.Fatalf("k = %q after Put(k, a), a concurrent Put(k, x) and Append(k, y), want \"xy\" (or \"ay\" if the Put's entry was lost)", mid)
		}

		cfg.connectClient(lost, cfg.g.All()) // the retry reaches the service
		within(t, 10*time.Second, "the retried Put", func() { <-done })
		var got string
		within(t, 10*time.Second, "a Get", func() { got = cfg.h.Get(ck, 0, "k") })
		if got != want {
			t.Fatalf("k = %q after the retry of Put(k, x), want %q: a Get had seen %q, so the Put was applied before the Append and its retry must not be applied again", got, want, mid)
		}
	})
}
