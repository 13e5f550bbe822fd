package pbkv

// The harness of the part-B tests: a view service and key/value servers on
// a simulated network, all named by strings. Every host (server or client)
// reaches others through ends its makeEnd makes, so the harness can crash,
// restart and cut any pair of hosts by name, the view service included.
// Client operations go through recording wrappers (linearize_test.go) and
// every test checks its history with porcupine at the end.
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
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/linearize"
	"distlabs/viewservice"
)

// vshost is the view service's name on the network.
const vshost = "viewservice"

// deadTime bounds how long the view service takes to notice a server that
// stopped pinging and to move on: twice DeadPings intervals, as the 2015
// suite allowed, which leaves room for the real clock's jitter too.
const deadTime = 2 * viewservice.DeadPings * viewservice.PingInterval

// end is one end a host made.
type end struct{ name, host, to string }

type config struct {
	t     *labtest.T
	net   *labrpc.Network // servers and clients; lossy on request
	vsnet *labrpc.Network // the view service's links; always reliable
	rec   *linearize.Recorder
	ops   atomic.Int32
	lossy atomic.Bool // the network is unreliable
	// skipPorcupine, if set, says why a test checks its history its own
	// way instead.
	skipPorcupine string

	mu      sync.Mutex
	vs      *viewservice.ViewServer
	servers map[string]*PBServer
	ends    []end
	cut     map[[2]string]bool // host pairs that cannot talk, both orders
	names   int
	clerks  []*Clerk
	vck     *viewservice.Clerk // the harness's own view of the views
}

// makeConfig starts the view service and servers s1..sn on a fresh network.
func makeConfig(t *labtest.T, n int, unreliable bool) *config {
	cfg := &config{
		t:       t,
		net:     labrpc.MakeNetwork(),
		vsnet:   labrpc.MakeNetwork(),
		rec:     linearize.NewRecorder(),
		servers: map[string]*PBServer{},
		cut:     map[[2]string]bool{},
	}
	cfg.setReliable(!unreliable)
	cfg.vs = viewservice.StartServer(vshost)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(cfg.vs))
	cfg.vsnet.AddServer(vshost, srv)
	cfg.vck = viewservice.MakeClerk("", vshost, cfg.makeEnd("harness"))
	for i := 1; i <= n; i++ {
		cfg.start(server(i))
	}
	return cfg
}

// server is the name of the i-th server.
func server(i int) string { return fmt.Sprintf("s%d", i) }

// cleanup stops every clerk, server, the view service and the network.
func (cfg *config) cleanup() {
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
	vs.Kill()
	cfg.net.Cleanup()
	cfg.vsnet.Cleanup()
}

// makeEnd returns host's makeEnd: each end gets a deterministic name and is
// enabled unless host and its target are cut apart.
func (cfg *config) makeEnd(host string) func(string) *labrpc.ClientEnd {
	return func(to string) *labrpc.ClientEnd {
		cfg.mu.Lock()
		defer cfg.mu.Unlock()
		cfg.names++
		name := fmt.Sprintf("%s->%s#%d", host, to, cfg.names)
		net := cfg.netTo(to)
		e := net.MakeEnd(name)
		net.Connect(name, to)
		net.Enable(name, !cfg.cut[[2]string{host, to}])
		cfg.ends = append(cfg.ends, end{name, host, to})
		return e
	}
}

// netTo is the network that reaches the host named to.
func (cfg *config) netTo(to string) *labrpc.Network {
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

// makeClerk returns a Clerk for the client host name.
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

// begin prints the test's progress line.
func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
}

// end checks the history for linearizability and prints the "Passed" line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.checkHistory()
	cfg.mu.Lock()
	n := len(cfg.servers)
	cfg.mu.Unlock()
	rpcs := cfg.net.GetTotalCount() + cfg.vsnet.GetTotalCount()
	cfg.t.Passed(n, rpcs, cfg.net.GetTotalBytes()+cfg.vsnet.GetTotalBytes(), int(cfg.ops.Load()))
}

// clientRand returns client cli's random source, derived from the seed, so
// that a client's choices do not depend on how goroutines interleave.
func (cfg *config) clientRand(cli int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(cfg.t.Seed), uint64(cli)+1))
}
