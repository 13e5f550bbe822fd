package pbkv

// Targeted tests for the classic primary/backup bugs; each cites the rule
// it checks (the key/value service rules, listed by file in README.md).
// They use only the public API.

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// churn keeps four writers appending, each to a key of its own, while
// rounds (which start and crash servers) run; then it reads every key so
// that the history's check covers what they wrote.
func churn(cfg *config, pause func(c int) time.Duration, rounds func()) {
	stop := cfg.writers(4, func(ck *Clerk, c, i int) {
		cfg.h.Append(ck, c, fmt.Sprintf("k%d", c), kvtest.AppendValue(c, i))
		time.Sleep(pause(c))
	})
	rounds()
	stop()
	cfg.readAll(4, "k")
}

// Spec: "at-most-once per client request even when replies are lost and
// requests are resent" — at the backup too. Forwards whose replies are lost
// are resent; a backup that applies one twice shows it once it is primary.
func TestBackupAppliesForwardOnceB(t *testing.T) {
	run(t, "Test (B): the backup applies a resent forward once", func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("")
		cfg.setReliable(false)
		want := cfg.appendMany(ck, 0, "k", 60)
		cfg.setReliable(true)
		cfg.crash(cfg.view().Primary)
		cfg.h.Expect(ck, 0, "k", want)
	})
}

// Spec: "It forwards every operation to the backup and answers only after
// the backup has applied it." With the primary cut off from its backup (but
// not from the view service, so the view stays), a Put must not complete;
// once the primary dies, the backup must hold every write that did.
func TestAnswerAfterBackupAppliedB(t *testing.T) {
	run(t, "Test (B): the primary answers only after the backup applied", func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("1")
		cfg.setCut("s1", "s2", true)
		finished := kvtest.Async(func() { cfg.h.Put(ck, 0, "k", "2") })
		select {
		case <-finished:
			// Legitimate only if the view service has moved on (on a
			// starved real clock it may take a server for dead).
			if v := cfg.view(); v.Primary == "s1" && v.Backup == "s2" {
				t.Fatalf("a Put completed while the primary could not reach its backup (view %+v)", v)
			}
		case <-time.After(2 * deadTime):
		}
		cfg.crash("s1")
		<-finished
		cfg.h.Expect(cfg.makeClerk("c2"), 1, "k", "2")
	})
}

// Spec: "A new backup gets the complete state (data and duplicate table)
// from the primary before the primary acknowledges the view that names it."
// Writers keep going while backups join and primaries die, over and over:
// a transfer that misses a write applied meanwhile, or an acknowledgement
// sent before the transfer, loses acknowledged writes.
func TestTransferDuringWritesB(t *testing.T) {
	run(t, "Test (B): state transfer races with concurrent writes", func(t *labtest.T, cfg *config) {
		// Request delays on a lossy network keep a transfer in flight
		// while writes arrive.
		cfg.setReliable(false)
		cfg.start("s1")
		cfg.waitView("s1", "", deadTime)
		churn(cfg, func(c int) time.Duration { return time.Duration(1+c) * time.Millisecond }, func() {
			primary := "s1"
			for round := 2; round <= 6; round++ {
				backup := server(round)
				cfg.start(backup)
				cfg.waitSettled(primary, backup, 4*deadTime)
				cfg.crash(primary)
				cfg.waitView(backup, "", 2*deadTime)
				primary = backup
			}
		})
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in." A primary alone in view 3 crashes and comes back at once: the
// view service is stuck (no backup to promote) and still names it, but the
// restarted server has an empty store and must not serve it as primary.
func TestRestartedPrimaryDoesNotServeB(t *testing.T) {
	run(t, "Test (B): a restarted primary does not serve an empty store", func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.crash("s2")
		cfg.waitSettled("s1", "", 2*deadTime)
		ck := cfg.makeClerk("c1")
		cfg.h.Put(ck, 0, "k", "v")
		cfg.crash("s1")
		cfg.start("s1")
		cfg.getBlocks(ck, 0, "the restarted primary served a Get although it lost the data")
	})
}

// Spec: "A new backup gets the complete state ... before the primary
// acknowledges the view that names it." The primary cannot reach the new
// backup, so it must not acknowledge the view; when it then dies, the view
// service must not promote the empty backup, and no Get may return.
func TestNoAckBeforeTransferB(t *testing.T) {
	run(t, "Test (B): no acknowledgement before the state transfer", func(t *labtest.T, cfg *config) {
		cfg.solo()
		ck := cfg.makeClerk("c1")
		cfg.h.Put(ck, 0, "k", "v")
		cfg.setCut("s1", "s2", true)
		cfg.start("s2")
		cfg.waitView("s1", "s2", deadTime)
		cfg.settle()
		cfg.crash("s1")
		cfg.getBlocks(ck, 0, "a Get returned after the only server with the data died")
		if v := cfg.view(); v.Primary == "s2" {
			t.Fatalf("the backup that never got the state was promoted: %+v", v)
		}
	})
}

// Spec: "It forwards every operation to the backup and answers only after
// the backup has applied it" and "A new backup gets the complete state".
// The view service loses sight of a live primary and promotes its backup,
// which must stop taking the old primary's forwards before it copies its
// state to its own new backup: a forward applied after the copy would be
// missing once the promoted server dies in turn.
func TestPromotedBackupStopsTakingForwardsB(t *testing.T) {
	run(t, "Test (B): a promoted backup takes no more forwards of its old view", func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.start("s3")
		cfg.setReliable(false) // delays widen the window between copy and switch
		churn(cfg, func(int) time.Duration { return time.Millisecond }, func() {
			// Each round: the view service loses the primary, promotes
			// the backup, the idle server becomes backup; then both old
			// servers die and two fresh ones join.
			p, b, idle, next := "s1", "s2", "s3", 4
			for range 3 {
				time.Sleep(500 * time.Millisecond)
				cfg.setCut(p, vshost, true) // p still reaches b and the clients
				cfg.waitSettled(b, idle, 3*deadTime)
				cfg.crash(b)
				cfg.crash(p)
				cfg.waitView(idle, "", 3*deadTime)
				p, b, idle = idle, server(next), server(next+1)
				next += 2
				cfg.start(b)
				cfg.waitView(p, b, 3*deadTime)
				cfg.start(idle)
				cfg.settle()
			}
		})
	})
}
