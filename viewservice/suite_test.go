package viewservice

// The part-A scenarios of the 2015 suite, in our own words: each test builds
// its situation with pretend servers that ping by hand and checks the views
// the service hands out.

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The first server to ping becomes the primary of view 1; before that the
// view is empty.
func TestFirstPrimaryA(t *testing.T) {
	run(t, "Test (A): first primary", func(t *labtest.T, cfg *config) {
		ck := cfg.clerk("")
		cfg.check(ck, View{})
		if v := cfg.ping(cfg.clerk("s1"), 0); v != (View{1, "s1", ""}) {
			t.Fatalf("the first ping should get view 1 with s1 primary, got %+v", v)
		}
		cfg.check(ck, View{1, "s1", ""})
	})
}

// The second server becomes the backup once the primary has acknowledged
// view 1.
func TestFirstBackupA(t *testing.T) {
	run(t, "Test (A): first backup", func(t *labtest.T, cfg *config) {
		_, _, v := cfg.acked()
		cfg.check(cfg.clerk(""), v)
	})
}

// When the primary stops pinging, the backup takes over in the next view.
func TestBackupTakesOverA(t *testing.T) {
	run(t, "Test (A): backup takes over if primary fails", func(t *labtest.T, cfg *config) {
		_, s2, _ := cfg.acked()
		start := time.Now()
		cfg.numbered(cfg.until(settle, "s2 should take over from the silent s1", is("s2", ""), s2), 3)
		if took := time.Since(start); took < DeadPings*PingInterval-PingInterval {
			t.Fatalf("s1 was declared dead after %v of silence; it may miss %d pings", took, DeadPings)
		}
	})
}

// A server that comes back after a crash (pinging 0) is an idle server and
// becomes the backup of a primary that has none.
func TestRestartedBecomesBackupA(t *testing.T) {
	run(t, "Test (A): restarted server becomes backup", func(t *labtest.T, cfg *config) {
		s1, s2, _ := cfg.acked()
		cfg.until(settle, "s2 should take over", is("s2", ""), s2)
		s1.n = 0 // restarted
		cfg.numbered(cfg.until(settle, "the restarted s1 should become backup", is("s2", "s1"), s1, s2), 4)
	})
}

// With a backup and an idle server: when the primary fails the backup takes
// over and the idle server becomes backup, in one view.
func TestIdleBecomesBackupA(t *testing.T) {
	run(t, "Test (A): idle third server becomes backup if primary fails", func(t *labtest.T, cfg *config) {
		_, s2, v := cfg.acked()
		s3 := cfg.pinger("s3")
		cfg.never(3, "an idle server must not change an acknowledged full view", not(v), s2, s3)
		w := cfg.until(settle, "s2 primary with s3 backup after s1 fails", is("s2", "s3"), s2, s3)
		cfg.numbered(w, v.Viewnum+1)
	})
}

// A primary that restarts and keeps pinging (with 0) is dead for its view:
// the backup takes over without waiting for DeadPings missed pings. As in
// the 2015 test, the change may come in any of 2*DeadPings rounds (at the
// ping or at the next tick), while the restarted server pings 0 and the
// backup pings normally.
func TestRestartedPrimaryDeadA(t *testing.T) {
	run(t, "Test (A): restarted primary treated as dead", func(t *labtest.T, cfg *config) {
		s1, s2, v := cfg.acked()
		var w View
		for range 2 * DeadPings {
			s1.n = 0 // restarted, and pinging 0 every time, as the 2015 test's server
			if w = cfg.round(s1, s2); w.Primary != "s1" {
				break
			}
		}
		if w.Primary != "s2" || w.Viewnum != v.Viewnum+1 {
			t.Fatalf("while the restarted primary pings 0, the backup should lead view %d within %d pings; got %+v",
				v.Viewnum+1, 2*DeadPings, w)
		}
	})
}

// A backup that stops pinging is dropped from the view when no idle server
// can replace it.
func TestDeadBackupRemovedA(t *testing.T) {
	run(t, "Test (A): dead backup is removed from view", func(t *labtest.T, cfg *config) {
		s1, _, v := cfg.acked()
		cfg.numbered(cfg.until(settle, "the silent backup s2 should be removed", is("s1", ""), s1), v.Viewnum+1)
	})
}

// Until the primary acknowledges view n the service stays at n, even when
// the backup dies and an idle server could replace it.
func TestWaitsForAckA(t *testing.T) {
	run(t, "Test (A): viewserver waits for primary to ack view", func(t *labtest.T, cfg *config) {
		s1, _, v := cfg.acked()
		// s2 dies; s1 learns view 3 (s1 alone) but keeps pinging 2.
		w := cfg.until(settle, "s2 should be removed", is("s1", ""), s1)
		s3 := cfg.pinger("s3")
		for range 3 * DeadPings {
			cfg.ping(s1.ck, v.Viewnum) // stale: not an acknowledgement of w
			cfg.ping(s3.ck, 0)
			time.Sleep(PingInterval)
		}
		cfg.check(s3.ck, w)
		// Once s1 acknowledges, s3 becomes backup.
		s1.n = w.Viewnum
		cfg.until(settle, "s3 should become backup after the ack", is("s1", "s3"), s1, s3)
	})
}

// A server that was never backup has no data: when primary and backup both
// die, an idle server is not made primary, however long it pings.
func TestUninitializedNotPrimaryA(t *testing.T) {
	run(t, "Test (A): uninitialized server can't become primary", func(t *labtest.T, cfg *config) {
		_, _, v := cfg.acked()
		s3 := cfg.pinger("s3")
		for range 4 * DeadPings {
			cfg.round(s3)
		}
		if w := cfg.view(s3.ck); w.Primary == "s3" {
			t.Fatalf("idle s3 became primary (views %+v -> %+v)", v, w)
		}
	})
}
