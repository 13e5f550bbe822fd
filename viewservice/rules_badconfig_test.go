//go:build !distlabs_ported

package viewservice

// A handout test: it uses ErrNoServer, which our Clerk adds to the 2015
// API, so -tags distlabs_ported (2015 code ported with transport changes
// only) leaves it out.

import (
	"errors"
	"strings"
	"testing"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// A Clerk with no view service to call says so instead of panicking: an
// empty name or a makeEnd that gives no end is ErrNoServer; a name no server
// answers to is an error naming it. The service, which none of these calls
// reached, still works for a Clerk that is set up right.
func TestClerkBadConfigA(t *testing.T) {
	run(t, "Test (A): a Clerk without a view service reports an error", func(t *labtest.T, cfg *config) {
		for _, ck := range []*Clerk{
			MakeClerk("s1", "", cfg.makeEnd("s1")),
			MakeClerk("s1", vshost, nil),
			MakeClerk("s1", vshost, func(string) *labrpc.ClientEnd { return nil }),
		} {
			if _, err := ck.Ping(0); !errors.Is(err, ErrNoServer) {
				t.Fatalf("Ping without a view service: err = %v, want ErrNoServer", err)
			}
			if _, ok := ck.Get(); ok {
				t.Fatalf("Get without a view service succeeded")
			}
			if p := ck.Primary(); p != "" {
				t.Fatalf("Primary without a view service = %q", p)
			}
		}
		ck := MakeClerk("s1", "nowhere", cfg.makeEnd("s1"))
		if _, err := ck.Ping(0); err == nil || !strings.Contains(err.Error(), "nowhere") {
			t.Fatalf("Ping of an unknown view service: err = %v, want one naming it", err)
		}
		cfg.check(cfg.clerk(""), View{}) // none of it reached the real service
		// which still works: a real Clerk's pings make s1 primary.
		cfg.until(settle, "s1 should be primary", is("s1", ""), cfg.pinger("s1"))
	})
}
