package viewservice

// Targeted tests for the classic view-service bugs; each cites the rule it
// checks (the view service rules, listed by file in README.md).

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Spec: "Get() (View, bool) (no side effect)". A client that only asks for
// the view must never be taken for a server.
func TestGetHasNoSideEffectA(t *testing.T) {
	run(t, "Test (A): Get does not count as a ping", func(t *labtest.T, cfg *config) {
		ck := cfg.clerk("c1")
		for range 2 * DeadPings {
			cfg.check(ck, View{})
			cfg.round()
		}
		s1 := cfg.pinger("s1")
		cfg.until(settle, "s1 should be primary", is("s1", ""), s1)
		for range 3 * DeadPings {
			cfg.view(ck)
			if v := cfg.round(s1); v.Backup != "" {
				t.Fatalf("a Get-only client became backup: %+v", v)
			}
		}
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in" and "moves to view n+1 only after the primary of view n has
// pinged with n". A restarted primary that then pings n has lost the state
// it was to hand to the new backup: that ping must not acknowledge view n,
// or the next view would promote a backup that never got the data.
func TestRestartedPrimaryCannotAckA(t *testing.T) {
	run(t, "Test (A): a restarted primary cannot acknowledge its old view", func(t *labtest.T, cfg *config) {
		s1, s2, v2 := cfg.acked()
		s3 := cfg.pinger("s3")
		cfg.round(s1, s2, s3)
		// s2 restarts: s3 replaces it in view 3, which s1 never acknowledges.
		s2.n = 0
		var v3 View
		for range 2 * DeadPings {
			cfg.ping(s1.ck, v2.Viewnum)
			cfg.ping(s2.ck, s2.n)
			v3 = cfg.round(s3)
			if v3.Viewnum > v2.Viewnum {
				break
			}
		}
		if v3.Primary != "s1" || v3.Backup != "s3" {
			t.Fatalf("after s2's restart the view should be s1 primary, s3 backup; got %+v", v3)
		}
		// s1 restarts, then pings the number of view 3 as a fresh server
		// that adopted the view it was told would.
		cfg.ping(s1.ck, 0)
		for range 4 * DeadPings {
			cfg.ping(s1.ck, v3.Viewnum)
			if v := cfg.round(s2, s3); v.Viewnum != v3.Viewnum {
				t.Fatalf("view moved from %+v to %+v: the restarted primary's ping was taken as an acknowledgement", v3, v)
			}
		}
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in" — the backup too. A restarted backup holds no data, so it must not
// be promoted when the primary dies.
func TestRestartedBackupNotPromotedA(t *testing.T) {
	run(t, "Test (A): a restarted backup is not promoted", func(t *labtest.T, cfg *config) {
		_, s2, _ := cfg.acked()
		// s1 goes silent and s2 restarts before s1 is declared dead.
		s2.n = 0
		cfg.never(4*DeadPings, "the restarted backup s2 was made primary", primaryIs("s2"), s2)
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in" — by that view only: once a later view has taken the restarted
// server back, its pings count like anyone's, and the service "moves to
// view n+1 only" when a role needs filling. With the primary and the
// restarted backup pinging normally the views must settle.
func TestRestartedBackupRejoinsStableA(t *testing.T) {
	run(t, "Test (A): views settle after a restarted backup is taken back", func(t *labtest.T, cfg *config) {
		s1, s2, v2 := cfg.acked()
		s2.n = 0 // s2 restarts
		cfg.until(settle, "the restarted s2 should be taken back as backup of s1",
			func(v View) bool { return v.Viewnum > v2.Viewnum && is("s1", "s2")(v) }, s1, s2)
		cfg.round(s1, s2) // s1 learns the view ...
		cfg.round(s1, s2) // ... and acknowledges it
		cfg.never(4*DeadPings, "the view moved while primary and backup ping normally; s2's restart must count only against the view it was in",
			not(cfg.view(s1.ck)), s1, s2)
	})
}

// Spec: "a server is dead after DeadPings intervals without a ping" and "a
// dead or missing backup [is replaced] by an idle server" — a live one. An
// idle server that stopped pinging long ago holds nothing and answers
// nothing: it must not be made backup.
func TestDeadIdleNotBackupA(t *testing.T) {
	run(t, "Test (A): an idle server that stopped pinging is not made backup", func(t *labtest.T, cfg *config) {
		s1, s2, _ := cfg.acked()
		s3 := cfg.pinger("s3")
		for range 3 {
			cfg.round(s1, s2, s3) // s3 is a live idle server
		}
		// s3 stops pinging; twice the dead threshold later s2 stops too.
		for range 2 * DeadPings {
			cfg.round(s1, s2)
		}
		v := cfg.until(settle, "the dead backup s2 should be removed",
			func(v View) bool { return v.Primary == "s1" && v.Backup != "s2" }, s1)
		if v.Backup == "s3" {
			t.Fatalf("s3, silent for over %d intervals, was made backup: %+v", 2*DeadPings, v)
		}
		cfg.never(2*DeadPings, "s3, silent for long, was made backup", func(v View) bool { return v.Backup == "s3" }, s1)
	})
}

// Spec: "a dead primary is replaced by its live backup"; "with neither
// primary nor backup alive the service stays where it is (the data is
// gone)". Primary and backup that stop pinging at the same moment are
// declared dead together: the dead backup must not be promoted, whoever
// else pings.
func TestDeadBackupNotPromotedA(t *testing.T) {
	run(t, "Test (A): a dead backup is not promoted", func(t *labtest.T, cfg *config) {
		s1, s2, _ := cfg.acked()
		s3 := cfg.pinger("s3")
		for range 3 {
			cfg.round(s1, s2, s3)
		}
		// s1 and s2 stop pinging together; s3 pings on.
		cfg.never(4*DeadPings, "primary s1 and backup s2 fell silent together, and the view moved: the dead backup must not be promoted",
			func(v View) bool { return v.Primary != "s1" }, s3)
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in", however long it was silent before: primary and backup hold
// their roles until a view replaces them (servers that hold no role may be
// forgotten after a long silence; the view's servers may not). After the
// whole service was silent for 30 s, the backup restarts: with the primary
// still silent, nobody holds the data, and the restarted backup must not be
// promoted.
func TestRolesRememberedAfterSilenceA(t *testing.T) {
	run(t, "Test (A): a long silence does not erase the view's servers", func(t *labtest.T, cfg *config) {
		_, s2, _ := cfg.acked()
		time.Sleep(60 * DeadPings * PingInterval)
		s2.n = 0 // s2 restarts; s1 stays silent
		cfg.never(4*DeadPings, "after a long silence the restarted backup s2 was made primary", primaryIs("s2"), s2)
	})
}
