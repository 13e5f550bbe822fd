package viewservice

// Targeted tests for the classic view-service bugs; each cites the rule it
// checks (the view service rules, listed by file in README.md).

import (
	"testing"

	"distlabs/test/labtest"
)

// Spec: "Get() (View, bool) (no side effect)". A client that only asks for
// the view must never be taken for a server.
func TestGetHasNoSideEffectA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): Get does not count as a ping")
		ck := cfg.clerk("c1")
		for range 2 * DeadPings {
			cfg.check(ck, View{})
			cfg.round()
		}
		s1 := &pinger{ck: cfg.clerk("s1")}
		cfg.until(settle, "s1 should be primary", is("s1", ""), s1)
		for range 3 * DeadPings {
			cfg.view(ck)
			if v := cfg.round(s1); v.Backup != "" {
				t.Fatalf("a Get-only client became backup: %+v", v)
			}
		}
		cfg.end()
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in" and "moves to view n+1 only after the primary of view n has
// pinged with n". A restarted primary that then pings n has lost the state
// it was to hand to the new backup: that ping must not acknowledge view n,
// or the next view would promote a backup that never got the data.
func TestRestartedPrimaryCannotAckA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): a restarted primary cannot acknowledge its old view")
		s1, s2, v2 := acked(cfg)
		s3 := &pinger{ck: cfg.clerk("s3")}
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
			v := cfg.round(s2, s3)
			if v.Viewnum != v3.Viewnum {
				t.Fatalf("view moved from %+v to %+v: the restarted primary's ping was taken as an acknowledgement", v3, v)
			}
		}
		cfg.end()
	})
}

// Spec: "A server that restarts (pings 0) is treated as dead by the view it
// was in" — the backup too. A restarted backup holds no data, so it must not
// be promoted when the primary dies.
func TestRestartedBackupNotPromotedA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.begin("Test (A): a restarted backup is not promoted")
		_, s2, v2 := acked(cfg)
		// s1 goes silent and s2 restarts before s1 is declared dead.
		s2.n = 0
		for range 4 * DeadPings {
			if v := cfg.round(s2); v.Primary == "s2" {
				t.Fatalf("the restarted backup s2 was made primary: %+v -> %+v", v2, v)
			}
		}
		cfg.end()
	})
}
