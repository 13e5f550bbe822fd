package viewservice

// The harness of the part-A tests: one view service on a simulated network
// and any number of pretend servers, each a Clerk that the test pings with
// by hand, as the 2015 suite does. Only the Clerk API is used, so the tests
// grade any view service behind the handout's RPC types.

import (
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// vshost is the view service's name on the network.
const vshost = "viewservice"

// settle is how long the tests give the service to reach a view it must
// reach: well beyond the DeadPings intervals any change needs.
const settle = 3 * DeadPings * PingInterval

type config struct {
	t   *labtest.T
	net *tester.Net

	mu sync.Mutex
	vs *ViewServer
}

// run runs body as the test t on a fresh view service, between the
// progress line desc and the "Passed" line, so each test states only its
// scenario.
func run(t *testing.T, desc string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := &config{t: t, net: tester.NewNet(t, true)}
		cfg.vs = cfg.serveVS()
		defer cfg.cleanup()
		cfg.net.Begin(desc)
		body(t, cfg)
		cfg.net.Passed(1)
	})
}

// serveVS starts a view service (at view 0) and serves it under vshost.
func (cfg *config) serveVS() *ViewServer {
	vs := StartServer(vshost)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(vs))
	cfg.net.AddServer(vshost, srv)
	return vs
}

// cleanup stops the view service and the network; a second call is
// harmless.
func (cfg *config) cleanup() {
	cfg.mu.Lock()
	vs := cfg.vs
	cfg.mu.Unlock()
	vs.Kill()
	cfg.net.Cleanup()
}

// restartVS crashes the view service and starts a fresh one (view 0) under
// the same name. Once DeleteServer returns no reply of the old one arrives.
func (cfg *config) restartVS() {
	cfg.net.DeleteServer(vshost)
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.vs.Kill()
	cfg.vs = cfg.serveVS()
}

// makeEnd returns the makeEnd function of host: each end it makes has a
// deterministic name (tester.Net.NewEnd), leads to the named server and is
// enabled.
func (cfg *config) makeEnd(host string) func(string) *labrpc.ClientEnd {
	return func(name string) *labrpc.ClientEnd {
		endname, e := cfg.net.NewEnd(host+"->"+name, name)
		cfg.net.SetEndOwner(endname, host) // its messages on host's lane of a timeline
		cfg.net.Enable(endname, true)
		return e
	}
}

// clerk returns a Clerk for the pretend server (or client) me.
func (cfg *config) clerk(me string) *Clerk {
	return MakeClerk(me, vshost, cfg.makeEnd(me))
}

// ping pings once and fails the test if no reply arrives (the network is
// reliable unless a test says otherwise).
func (cfg *config) ping(ck *Clerk, viewnum uint) View {
	cfg.t.Helper()
	v, err := ck.Ping(viewnum)
	if err != nil {
		cfg.t.Fatalf("%s pinged %d: %v", ck.me, viewnum, err)
	}
	return v
}

// view returns the current view through ck.Get.
func (cfg *config) view(ck *Clerk) View {
	cfg.t.Helper()
	v, ok := ck.Get()
	if !ok {
		cfg.t.Fatalf("%s: Get of the view got no reply", ck.me)
	}
	return v
}

// check fails the test unless the current view, as Get and Primary report
// it, is want.
func (cfg *config) check(ck *Clerk, want View) {
	cfg.t.Helper()
	if v := cfg.view(ck); v != want {
		cfg.t.Fatalf("view is %+v, want %+v", v, want)
	}
	if p := ck.Primary(); p != want.Primary {
		cfg.t.Fatalf("Primary() = %q, want %q", p, want.Primary)
	}
}

// numbered fails the test unless view v is numbered n: each change the
// rules allow costs exactly one view.
func (cfg *config) numbered(v View, n uint) {
	cfg.t.Helper()
	if v.Viewnum != n {
		cfg.t.Fatalf("want view %d, got %+v", n, v)
	}
}

// pinger is a pretend server in a test: who it is and which view number it
// pings with next.
type pinger struct {
	ck *Clerk
	n  uint
}

// pinger returns a pretend server named me that has seen no view.
func (cfg *config) pinger(me string) *pinger { return &pinger{ck: cfg.clerk(me)} }

// round pings once with every pinger (each with the view number it has
// seen, and then adopting the reply, as a correct server does) and sleeps
// one PingInterval. It returns the last view seen.
func (cfg *config) round(ps ...*pinger) View {
	cfg.t.Helper()
	var v View
	for _, p := range ps {
		v = cfg.ping(p.ck, p.n)
		p.n = v.Viewnum
	}
	time.Sleep(PingInterval)
	return v
}

// until runs rounds of pings with ps for at most limit, until the view
// satisfies cond, and fails the test (saying what) if it never does.
func (cfg *config) until(limit time.Duration, what string, cond func(View) bool, ps ...*pinger) View {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		v := cfg.round(ps...)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			cfg.t.Fatalf("after %v: %s; the view is %+v", limit, what, v)
		}
	}
}

// never runs the given number of rounds of pings with ps and fails the
// test (saying what went wrong) as soon as a view they see satisfies bad:
// the rules' "must not" checks, which only time can show.
func (cfg *config) never(rounds int, what string, bad func(View) bool, ps ...*pinger) {
	cfg.t.Helper()
	for i := range rounds {
		if v := cfg.round(ps...); bad(v) {
			cfg.t.Fatalf("%s (round %d of %d): the view is %+v", what, i+1, rounds, v)
		}
	}
}

// is returns a condition that holds once the view has this primary and
// backup.
func is(primary, backup string) func(View) bool {
	return func(v View) bool { return v.Primary == primary && v.Backup == backup }
}

// not returns a condition that holds for any view but v.
func not(v View) func(View) bool {
	return func(w View) bool { return w != v }
}

// primaryIs returns a condition that holds while name is primary.
func primaryIs(name string) func(View) bool {
	return func(v View) bool { return v.Primary == name }
}

// acked returns a primary "s1" and backup "s2" in an acknowledged view 2,
// where most scenarios start.
func (cfg *config) acked() (*pinger, *pinger, View) {
	cfg.t.Helper()
	s1, s2 := cfg.pinger("s1"), cfg.pinger("s2")
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
