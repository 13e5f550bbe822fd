package pbkv

// The harness of the part-B tests: a view service and key/value servers on
// a simulated network, all named by strings. Every host (server or client)
// reaches others through ends its makeEnd makes, so the harness can crash,
// restart and cut any pair of hosts by name, the view service included.
// Client operations go through a kvtest.History and every test checks its
// history with porcupine at the end.
//
// The servers do not fit a tester.Group: they address each other and the
// view service by name through makeEnd, not through ends by index, and the
// tests cut single pairs of hosts (a server from the view service, a
// client from a server), which a Group's partitions do not express.
//
// The view service sits on a network of its own that is never lossy, as in
// the 2015 lab, where only the key/value servers' links dropped messages.
// With lossy pings a live server misses DeadPings pings in a row every few
// hundred seconds; the view service then takes it for dead, and if that
// happens while the test has just crashed the other server holding the data,
// the service is stranded for good (the protocol's limit). Cuts between a
// server and the view service still apply.

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
	"distlabs/viewservice"
)

// vshost is the view service's name on the network.
const vshost = "viewservice"

// deadTime bounds how long the view service takes to notice a server that
// stopped pinging and to move on: twice DeadPings intervals, as the 2015
// suite allowed, which leaves room for the real clock's jitter too.
const deadTime = 2 * viewservice.DeadPings * viewservice.PingInterval

// clientPause is the pause between a busy client's operations: without
// it, on a reliable network that takes no virtual time, the clients would
// keep the clock still.
const clientPause = 20 * time.Millisecond

// end is one end a host made.
type end struct{ name, host, to string }

type config struct {
	t     *labtest.T
	net   *tester.Net // servers and clients; lossy on request
	vsnet *tester.Net // the view service's links; always reliable
	h     *kvtest.History
	lossy atomic.Bool // the network is unreliable

	mu      sync.Mutex
	vs      *viewservice.ViewServer // nil when a test serves its own
	servers map[string]*PBServer
	ends    []end
	cut     map[[2]string]bool // host pairs that cannot talk, both orders
	clerks  []*Clerk
	vck     *viewservice.Clerk // the harness's own view of the views
}

// newConfig returns a harness with no view service and no server.
func newConfig(t *labtest.T) *config {
	cfg := &config{
		t:       t,
		net:     tester.NewNet(t, true),
		vsnet:   tester.NewNet(t, true),
		servers: map[string]*PBServer{},
		cut:     map[[2]string]bool{},
	}
	cfg.h = kvtest.NewHistory(t, cfg.net, kvtest.Options{
		// An operation cut short by shutdown returned nothing.
		Dropped: func(ck kvtest.Clerk) bool { return ck.(*Clerk).stopped.Load() },
	})
	cfg.vck = viewservice.MakeClerk("", vshost, cfg.makeEnd("harness"))
	return cfg
}

// makeConfig starts the view service, and no server, on fresh networks.
func makeConfig(t *labtest.T) *config {
	cfg := newConfig(t)
	cfg.vs = viewservice.StartServer(vshost)
	cfg.serveVS(cfg.vs)
	return cfg
}

// run runs body as the test t on a fresh makeConfig, between the progress
// line desc and the history check with the "Passed" line, so each test
// states only its scenario.
func run(t *testing.T, desc string, body func(t *labtest.T, cfg *config)) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t)
		defer cfg.cleanup()
		cfg.net.Begin(desc)
		body(t, cfg)
		cfg.end()
	})
}

// serveVS serves vs (the view service, or a test's stand-in) under vshost.
func (cfg *config) serveVS(vs any) {
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(vs))
	cfg.vsnet.AddServer(vshost, srv)
}

// server is the name of the i-th server.
func server(i int) string { return fmt.Sprintf("s%d", i) }

// cleanup ends the clients, then stops every server, the view service and
// the networks; a second call is harmless.
func (cfg *config) cleanup() {
	cfg.h.Stop()
	cfg.mu.Lock()
	for _, ck := range cfg.clerks {
		ck.shutdown()
	}
	servers := make([]*PBServer, 0, len(cfg.servers))
	for _, pb := range cfg.servers {
		servers = append(servers, pb)
	}
	vs := cfg.vs
	cfg.mu.Unlock()
	for _, pb := range servers {
		pb.Kill()
	}
	if vs != nil {
		vs.Kill()
	}
	cfg.net.Cleanup()
	cfg.vsnet.Cleanup()
}

// makeEnd returns host's makeEnd: each end gets a deterministic name
// (tester.Net.NewEnd) and is enabled unless host and its target are cut
// apart.
func (cfg *config) makeEnd(host string) func(string) *labrpc.ClientEnd {
	return func(to string) *labrpc.ClientEnd {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		net := cfg.netTo(to)
		name, e := net.NewEnd(host+"->"+to, to)
		net.SetEndOwner(name, host) // its messages on host's lane of a timeline
		net.Enable(name, !cfg.cut[[2]string{host, to}])
		cfg.ends = append(cfg.ends, end{name, host, to})
		return e
	}
}

// netTo is the network that reaches the host named to.
func (cfg *config) netTo(to string) *tester.Net {
	if to == vshost {
		return cfg.vsnet
	}
	return cfg.net
}

// setCut cuts (or joins) hosts a and b, both directions.
func (cfg *config) setCut(a, b string, off bool) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.cut[[2]string{a, b}] = off
	cfg.cut[[2]string{b, a}] = off
	for _, e := range cfg.ends {
		if e.host == a && e.to == b || e.host == b && e.to == a {
			cfg.netTo(e.to).Enable(e.name, !off)
		}
	}
}

// isolate cuts host from every other host in others.
func (cfg *config) isolate(host string, others ...string) {
	for _, o := range others {
		cfg.setCut(host, o, true)
	}
}

// heal joins every pair of hosts again.
func (cfg *config) heal() {
	cfg.mu.Lock()
	var pairs [][2]string
	for p, off := range cfg.cut {
		if off {
			pairs = append(pairs, p)
		}
	}
	cfg.mu.Unlock()
	for _, p := range pairs {
		cfg.setCut(p[0], p[1], false)
	}
}

// start starts (or restarts, with no state) the server named name.
func (cfg *config) start(name string) {
	pb := StartServer(vshost, name, cfg.makeEnd(name))
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(pb))
	cfg.mu.Lock()
	cfg.servers[name] = pb
	cfg.mu.Unlock()
	cfg.net.AddServer(name, srv)
}

// crash kills the server named name: it is removed from the network (calls
// in flight to it fail), its ends stop working, and it is killed.
func (cfg *config) crash(name string) {
	cfg.net.DeleteServer(name)
	cfg.mu.Lock()
	pb := cfg.servers[name]
	delete(cfg.servers, name)
	kept := cfg.ends[:0]
	for _, e := range cfg.ends {
		if e.host == name {
			cfg.netTo(e.to).Enable(e.name, false) // this incarnation's ends die with it
			continue
		}
		kept = append(kept, e)
	}
	cfg.ends = kept
	cfg.mu.Unlock()
	if pb != nil {
		pb.Kill()
	}
}

// makeClerk returns a Clerk for the client host name; cleanup shuts it
// down.
func (cfg *config) makeClerk(name string) *Clerk {
	ck := MakeClerk(vshost, cfg.makeEnd(name))
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.clerks = append(cfg.clerks, ck)
	return ck
}

// view returns the view service's current view (retrying lost replies).
func (cfg *config) view() viewservice.View {
	cfg.t.Helper()
	for range 50 {
		if v, ok := cfg.vck.Get(); ok {
			return v
		}
		time.Sleep(viewservice.PingInterval)
	}
	cfg.t.Fatalf("the view service does not answer")
	return viewservice.View{}
}

// waitView waits up to limit for a view with this primary and backup, and
// returns it.
func (cfg *config) waitView(primary, backup string, limit time.Duration) viewservice.View {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		v := cfg.view()
		if v.Primary == primary && v.Backup == backup {
			return v
		}
		if time.Now().After(deadline) {
			cfg.t.Fatalf("after %v the view is %+v; want primary %q, backup %q", limit, v, primary, backup)
		}
		time.Sleep(viewservice.PingInterval / 2)
	}
}

// setReliable sets whether the network is reliable.
func (cfg *config) setReliable(yes bool) {
	cfg.lossy.Store(!yes)
	cfg.net.Reliable(yes)
}

// settleTime is how long the servers get to act on a new view (learn it,
// transfer the state, acknowledge it): five ping intervals, or twenty on a
// lossy network, where each of those RPCs may need several tries.
func (cfg *config) settleTime() time.Duration {
	if cfg.lossy.Load() {
		return 20 * viewservice.PingInterval
	}
	return 5 * viewservice.PingInterval
}

// settle waits settleTime.
func (cfg *config) settle() {
	time.Sleep(cfg.settleTime())
}

// waitSettled waits up to limit for the view to be (primary, backup) and to
// stay so for settleTime, and returns it. A server the view service took for
// dead (lost pings, or a starved real clock) and that came back makes the
// view leave and return; a test must not crash the other one meanwhile.
func (cfg *config) waitSettled(primary, backup string, limit time.Duration) viewservice.View {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		v := cfg.waitView(primary, backup, time.Until(deadline))
		time.Sleep(cfg.settleTime())
		if cfg.view() == v {
			return v
		}
	}
}

// waitStable waits until the view has a primary and a backup and has not
// changed for settleTime, so its backup holds the state.
func (cfg *config) waitStable(limit time.Duration) viewservice.View {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	var last viewservice.View
	since := time.Now()
	for {
		v := cfg.view()
		if v != last {
			last, since = v, time.Now()
		}
		if v.Primary != "" && v.Backup != "" && time.Since(since) >= cfg.settleTime() {
			return v
		}
		if time.Now().After(deadline) {
			cfg.t.Fatalf("no stable view with primary and backup within %v; last %+v", limit, v)
		}
		time.Sleep(viewservice.PingInterval)
	}
}

// solo starts s1 and waits until it is the primary, alone, of a view
// it has had time to act on.
func (cfg *config) solo() {
	cfg.t.Helper()
	cfg.start("s1")
	cfg.waitView("s1", "", deadTime)
	cfg.settle()
}

// pair starts s1 as primary and s2 as its synced backup.
func (cfg *config) pair() viewservice.View {
	cfg.t.Helper()
	cfg.start("s1")
	cfg.waitView("s1", "", deadTime)
	cfg.start("s2")
	return cfg.waitSettled("s1", "s2", 2*deadTime)
}

// pairPut starts the pair (pair) and puts value at "k" through a new
// clerk, c1 (client 0 of the history), which it returns: where most
// scenarios start.
func (cfg *config) pairPut(value string) *Clerk {
	cfg.t.Helper()
	cfg.pair()
	ck := cfg.makeClerk("c1")
	cfg.h.Put(ck, 0, "k", value)
	return ck
}

// putGet puts value at key through ck (client cli) and reads it back.
func (cfg *config) putGet(ck *Clerk, cli int, key, value string) {
	cfg.t.Helper()
	cfg.h.Put(ck, cli, key, value)
	cfg.h.Expect(ck, cli, key, value)
}

// end checks the history for linearizability and prints the "Passed" line.
// The counts cover both networks, the view service's pings included; both
// are fresh when a test begins.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.h.Check()
	cfg.mu.Lock()
	n := len(cfg.servers)
	cfg.mu.Unlock()
	rpcs := cfg.net.GetTotalCount() + cfg.vsnet.GetTotalCount()
	cfg.t.Passed(n, rpcs, cfg.net.GetTotalBytes()+cfg.vsnet.GetTotalBytes(), cfg.net.Ops())
}

// blocks runs f on its own goroutine and fails the test (saying what went
// wrong, with the fmt arguments) if f returns within d. It returns the
// channel closed when f returns, for the test to wait on once it has made f
// able to finish (or shut its clerk down).
func (cfg *config) blocks(d time.Duration, f func(), format string, args ...any) <-chan struct{} {
	cfg.t.Helper()
	finished := kvtest.Async(f)
	select {
	case <-finished:
		cfg.t.Fatalf(format, args...)
	case <-time.After(d):
	}
	return finished
}

// getBlocks fails the test (saying why) if a Get of "k" through ck, as
// client cli, returns within 2*deadTime; then it shuts ck down and waits
// for the Get to return.
func (cfg *config) getBlocks(ck *Clerk, cli int, why string) {
	cfg.t.Helper()
	finished := cfg.blocks(2*deadTime, func() { cfg.h.Get(ck, cli, "k") }, "%s", why)
	ck.shutdown()
	<-finished
}

// appendMany appends n values to key through ck (client cli) one after
// another and returns what they add up to.
func (cfg *config) appendMany(ck *Clerk, cli int, key string, n int) string {
	var all strings.Builder
	for i := range n {
		cfg.h.Append(ck, cli, key, kvtest.AppendValue(cli, i))
		all.WriteString(kvtest.AppendValue(cli, i))
	}
	return all.String()
}

// writers starts n clients (rows 0..n-1 of the history, hosts c0..) that
// each call step with their clerk and a counter until the returned stop
// function is called; stop waits for them. A clerk shut down by a failing
// test ends its client too.
func (cfg *config) writers(n int, step func(ck *Clerk, cli, i int)) (stop func()) {
	cks := make([]*Clerk, n)
	for c := range cks {
		cks[c] = cfg.makeClerk(fmt.Sprintf("c%d", c))
	}
	return kvtest.Clients(n, func(cli, i int) bool {
		step(cks[cli], cli, i)
		return !cks[cli].stopped.Load()
	})
}

// readAll reads the keys prefix0..prefix(n-1) through a fresh clerk (row
// n of the history), so that the history's check covers what the writers
// left behind.
func (cfg *config) readAll(n int, prefix string) {
	ck := cfg.makeClerk("reader")
	for c := range n {
		cfg.h.Get(ck, n, fmt.Sprintf("%s%d", prefix, c))
	}
}
