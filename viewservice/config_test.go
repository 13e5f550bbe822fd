package viewservice

// The harness of the part-A tests: one view service on a simulated network
// and any number of pretend servers, each a Clerk that the test pings with
// by hand, as the 2015 suite does. Only the Clerk API is used, so the tests
// grade any view service behind the handout's RPC types.

import (
	"fmt"
	"sync"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// vshost is the view service's name on the network.
const vshost = "viewservice"

type config struct {
	t   *labtest.T
	net *labrpc.Network
	vs  *ViewServer

	mu    sync.Mutex
	names int // end counter: deterministic, unique end names
}

// makeConfig starts the view service on a fresh network.
func makeConfig(t *labtest.T) *config {
	cfg := &config{t: t, net: labrpc.MakeNetwork()}
	cfg.vs = StartServer(vshost)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(cfg.vs))
	cfg.net.AddServer(vshost, srv)
	return cfg
}

// cleanup stops the view service and the network.
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
	old := cfg.vs
	cfg.vs = StartServer(vshost)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(cfg.vs))
	cfg.mu.Unlock()
	old.Kill()
	cfg.net.AddServer(vshost, srv)
}

// makeEnd returns the makeEnd function of host: each end it makes has a
// deterministic name, is connected to the named server and enabled.
func (cfg *config) makeEnd(host string) func(string) *labrpc.ClientEnd {
	return func(name string) *labrpc.ClientEnd {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		cfg.names++
		endname := fmt.Sprintf("%s->%s#%d", host, name, cfg.names)
		e := cfg.net.MakeEnd(endname)
		cfg.net.Connect(endname, name)
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

// pinger is a pretend server in a test: who it is and which view number it
// pings with next.
type pinger struct {
	ck *Clerk
	n  uint
}

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

// is returns a condition that holds once the view has this primary and
// backup.
func is(primary, backup string) func(View) bool {
	return func(v View) bool { return v.Primary == primary && v.Backup == backup }
}

// begin prints the test's progress line.
func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
}

// end prints the "Passed" line.
func (cfg *config) end() {
	cfg.t.Passed(1, cfg.net.GetTotalCount(), cfg.net.GetTotalBytes(), 0)
}
