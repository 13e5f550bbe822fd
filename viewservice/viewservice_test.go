package viewservice

// The part-A scenarios of the 2015 suite, in our own words: each test builds
// its situation with pretend servers that ping by hand and checks the views
// the service hands out.

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// settle is how long the tests give the service to reach a view it must
// reach: well beyond the DeadPings intervals any change needs.
const settle = 3 * DeadPings * PingInterval

// acked returns a primary "s1" and backup "s2" in an acknowledged view 2.
func acked(cfg *config) (*pinger, *pinger, View) {
	cfg.t.Helper()
	s1 := &pinger{ck: cfg.clerk("s1")}
	s2 := &pinger{ck: cfg.clerk("s2")}
	cfg.until(settle, "s1 should be primary", is("s1", ""), s1)
	cfg.round(s1) // s1 acknowledges view 1
	v := cfg.until(settle, "s2 should become backup", is("s1", "s2"), s1, s2)
	cfg.round(s1, s2) // s1 learns view 2 ...
	cfg.round(s1, s2) // ... and acknowledges it
	if v.Viewnum != 2 {
		cfg.t.Fatalf("s1 primary then s2 backup should be views 1 and 2, got %+v", v)
	}
	return s1, s2, v
}

// The first server to ping becomes the primary of view 1; before that the
// view is empty.
func TestFirstPrimaryA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): first primary")
		ck := cfg.clerk("")
		cfg.check(ck, View{})
		s1 := &pinger{ck: cfg.clerk("s1")}
		if v := cfg.ping(s1.ck, 0); v != (View{1, "s1", ""}) {
			t.Fatalf("the first ping should get view 1 with s1 primary, got %+v", v)
		}
		cfg.check(ck, View{1, "s1", ""})
		cfg.end()
	})
}

// The second server becomes the backup once the primary has acknowledged
// view 1.
func TestFirstBackupA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): first backup")
		_, _, v := acked(cfg)
		cfg.check(cfg.clerk(""), v)
		cfg.end()
	})
}

// When the primary stops pinging, the backup takes over in the next view.
func TestBackupTakesOverA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): backup takes over if primary fails")
		_, s2, _ := acked(cfg)
		start := time.Now()
		v := cfg.until(settle, "s2 should take over from the silent s1", is("s2", ""), s2)
		if v.Viewnum != 3 {
			t.Fatalf("the take-over should be view 3, got %+v", v)
		}
		if took := time.Since(start); took < DeadPings*PingInterval-PingInterval {
			t.Fatalf("s1 was declared dead after %v of silence; it may miss %d pings", took, DeadPings)
		}
		cfg.end()
	})
}

// A server that comes back after a crash (pinging 0) is an idle server and
// becomes the backup of a primary that has none.
func TestRestartedBecomesBackupA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): restarted server becomes backup")
		s1, s2, _ := acked(cfg)
		cfg.until(settle, "s2 should take over", is("s2", ""), s2)
		s1.n = 0 // restarted
		v := cfg.until(settle, "the restarted s1 should become backup", is("s2", "s1"), s1, s2)
		if v.Viewnum != 4 {
			t.Fatalf("want view 4, got %+v", v)
		}
		cfg.end()
	})
}

// With a backup and an idle server: when the primary fails the backup takes
// over and the idle server becomes backup, in one view.
func TestIdleBecomesBackupA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): idle third server becomes backup if primary fails")
		_, s2, v := acked(cfg)
		s3 := &pinger{ck: cfg.clerk("s3")}
		for range 3 {
			if w := cfg.round(s2, s3); w != v {
				t.Fatalf("an idle server must not change an acknowledged full view: %+v -> %+v", v, w)
			}
		}
		w := cfg.until(settle, "s2 primary with s3 backup after s1 fails", is("s2", "s3"), s2, s3)
		if w.Viewnum != v.Viewnum+1 {
			t.Fatalf("want view %d, got %+v", v.Viewnum+1, w)
		}
		cfg.end()
	})
}

// A primary that restarts and keeps pinging (with 0) is dead for its view:
// the backup takes over at once, without waiting for missed pings.
func TestRestartedPrimaryDeadA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): restarted primary treated as dead")
		s1, s2, v := acked(cfg)
		s1.n = 0
		w := cfg.round(s1, s2)
		if w.Primary != "s2" || w.Viewnum != v.Viewnum+1 {
			t.Fatalf("after the primary's restart ping the backup should lead view %d, got %+v", v.Viewnum+1, w)
		}
		cfg.end()
	})
}

// A backup that stops pinging is dropped from the view when no idle server
// can replace it.
func TestDeadBackupRemovedA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): dead backup is removed from view")
		s1, _, v := acked(cfg)
		w := cfg.until(settle, "the silent backup s2 should be removed", is("s1", ""), s1)
		if w.Viewnum != v.Viewnum+1 {
			t.Fatalf("want view %d, got %+v", v.Viewnum+1, w)
		}
		cfg.end()
	})
}

// Until the primary acknowledges view n the service stays at n, even when
// the backup dies and an idle server could replace it.
func TestWaitsForAckA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): viewserver waits for primary to ack view")
		s1, s2, v := acked(cfg)
		// s2 dies; s1 learns view 3 (s1 alone) but keeps pinging 2.
		w := cfg.until(settle, "s2 should be removed", is("s1", ""), s1)
		s3 := &pinger{ck: cfg.clerk("s3")}
		_ = s2
		for range 3 * DeadPings {
			cfg.ping(s1.ck, v.Viewnum) // stale: not an acknowledgement of w
			cfg.ping(s3.ck, 0)
			time.Sleep(PingInterval)
		}
		cfg.check(s3.ck, w)
		// Once s1 acknowledges, s3 becomes backup.
		s1.n = w.Viewnum
		cfg.until(settle, "s3 should become backup after the ack", is("s1", "s3"), s1, s3)
		cfg.end()
	})
}

// A server that was never backup has no data: when primary and backup both
// die, an idle server is not made primary, however long it pings.
func TestUninitializedNotPrimaryA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): uninitialized server can't become primary")
		_, _, v := acked(cfg)
		s3 := &pinger{ck: cfg.clerk("s3")}
		for range 4 * DeadPings {
			cfg.round(s3)
		}
		if w := cfg.view(s3.ck); w.Primary == "s3" {
			t.Fatalf("idle s3 became primary (views %+v -> %+v)", v, w)
		}
		cfg.end()
	})
}
