package kvpaxos

// The cluster harness of part B: n servers on a labrpc network seeded from
// the test's seed, clerks attached to chosen servers, partitions, unreliable
// links and Kill; every client operation is recorded for the porcupine
// check at the end, and a safety checker watches the servers' Paxos peers
// throughout: no two servers ever report different decided operations for
// one instance, and a server never changes what it reported. (Validity, that
// a decided operation was issued by a client, shows in the values clients
// read and is checked by porcupine.)

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/labrpc"
	"distlabs/paxos"
	"distlabs/test/labtest"
	"distlabs/test/linearize"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

// linearizabilityTimeout bounds the porcupine check on the real clock; in
// a bubble the check runs to completion.
const linearizabilityTimeout = 30 * time.Second

type config struct {
	t   *labtest.T
	net *labrpc.Network
	n   int
	rec *linearize.Recorder

	mu       sync.Mutex
	servers  []*KVPaxos          // nil once killed
	clerkTo  map[*Clerk][]string // end names of a clerk, by position in its server list
	nclerks  int
	group    []int // partition group of each server
	seen     map[int]interface{}
	reported []map[int]interface{}
	checked  int // every instance below is decided or forgotten on every live server
	err      string

	stop, done chan struct{}
	stopOnce   sync.Once
	// clients is closed when the test's clients must give up (stopClients).
	clients     chan struct{}
	clientsOnce sync.Once
	ops         atomic.Int32
	rpcs0       int
}

// makeConfig starts n connected servers.
func makeConfig(t *labtest.T, n int, unreliable bool) *config {
	cfg := &config{
		t:        t,
		net:      labrpc.MakeNetwork(),
		n:        n,
		rec:      linearize.NewRecorder(),
		servers:  make([]*KVPaxos, n),
		clerkTo:  map[*Clerk][]string{},
		group:    make([]int, n),
		seen:     map[int]interface{}{},
		reported: make([]map[int]interface{}, n),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
		clients:  make(chan struct{}),
	}
	cfg.net.Reliable(!unreliable)
	for i := 0; i < n; i++ {
		cfg.reported[i] = map[int]interface{}{}
		ends := make([]*labrpc.ClientEnd, n)
		for j := 0; j < n; j++ {
			name := fmt.Sprintf("kv-%d-%d", i, j)
			ends[j] = cfg.net.MakeEnd(name)
			cfg.net.Connect(name, j)
			cfg.net.Enable(name, true)
		}
		kv := StartServer(ends, i)
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(kv))
		srv.AddService(labrpc.MakeService(kv.px))
		cfg.net.AddServer(i, srv)
		cfg.servers[i] = kv
	}
	go cfg.watch()
	return cfg
}

// cleanup stops the test's clients, the servers and the network, then
// checks safety and the history. Tests defer it.
func (cfg *config) cleanup() {
	cfg.stopWatch()
	cfg.sweep()
	cfg.stopClients()
	for i := 0; i < cfg.n; i++ {
		cfg.kill(i)
	}
	cfg.net.Cleanup()
	if err := cfg.safetyErr(); err != "" && !cfg.t.Failed() {
		cfg.t.Error(err)
	}
	if !cfg.t.Failed() {
		if linearize.Check(cfg.t, cfg.rec.Operations(), linearizabilityTimeout) == porcupine.Illegal {
			cfg.t.Error("the clients' history is not linearizable")
		}
	}
}

func (cfg *config) begin(desc string) {
	cfg.t.Begin(desc)
	cfg.rpcs0 = cfg.net.GetTotalCount()
	cfg.ops.Store(0)
}

// end checks safety and prints the pass line.
func (cfg *config) end() {
	cfg.t.Helper()
	cfg.sweep()
	if err := cfg.safetyErr(); err != "" {
		cfg.t.Fatal(err)
	}
	cfg.t.Passed(cfg.n, cfg.net.GetTotalCount()-cfg.rpcs0, cfg.net.GetTotalBytes(), int(cfg.ops.Load()))
}

func (cfg *config) server(i int) *KVPaxos {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.servers[i]
}

// kill stops server i and removes it from the network.
func (cfg *config) kill(i int) {
	cfg.mu.Lock()
	kv := cfg.servers[i]
	cfg.servers[i] = nil
	cfg.mu.Unlock()
	cfg.net.DeleteServer(i)
	if kv != nil {
		killServer(kv)
	}
}

// killServer kills kv by the name its code gives Kill: the 2015 skeleton
// called it kill (unexported, the tests being in the package), ours calls
// it Kill (a server with neither is never killed, and fails the Kill test).
func killServer(kv any) {
	switch kv := kv.(type) {
	case interface{ Kill() }:
		kv.Kill()
	case interface{ kill() }:
		kv.kill()
	}
}

// makeClerk returns a clerk that knows the given servers (all if none).
func (cfg *config) makeClerk(to ...int) *Clerk {
	if len(to) == 0 {
		for i := 0; i < cfg.n; i++ {
			to = append(to, i)
		}
	}
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	cfg.nclerks++
	ends := make([]*labrpc.ClientEnd, len(to))
	names := make([]string, len(to))
	for k, j := range to {
		names[k] = fmt.Sprintf("ck-%d-%d", cfg.nclerks, j)
		ends[k] = cfg.net.MakeEnd(names[k])
		cfg.net.Connect(names[k], j)
	}
	ck := MakeClerk(ends)
	cfg.clerkTo[ck] = names
	cfg.applyLinksLocked()
	return ck
}

// partition connects servers within each group and cuts every other link;
// a server in no group is isolated. A clerk reaches every server it knows
// (clients are not partitioned; servers are).
func (cfg *config) partition(groups ...[]int) {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	for i := range cfg.group {
		cfg.group[i] = -1 - i
	}
	for g, members := range groups {
		for _, i := range members {
			cfg.group[i] = g
		}
	}
	cfg.applyLinksLocked()
}

// heal connects every server.
func (cfg *config) heal() {
	all := make([]int, cfg.n)
	for i := range all {
		all[i] = i
	}
	cfg.partition(all)
}

func (cfg *config) applyLinksLocked() {
	for i := 0; i < cfg.n; i++ {
		for j := 0; j < cfg.n; j++ {
			cfg.net.Enable(fmt.Sprintf("kv-%d-%d", i, j), cfg.group[i] == cfg.group[j])
		}
	}
	for _, names := range cfg.clerkTo {
		for _, name := range names {
			cfg.net.Enable(name, true)
		}
	}
}

// stopClients makes every client request in progress, and every later one,
// return at once without a result (do).
func (cfg *config) stopClients() {
	cfg.clientsOnce.Do(func() { close(cfg.clients) })
}

// do runs req, a Clerk request, and reports whether it completed before
// the clients were stopped. The 2015 Clerk API has no way to stop a request
// (a Clerk retries until a server answers), so a request still running then
// is abandoned: it goes on in a harness goroutine, which neither the leak
// check nor kvGoroutines counts, until the bubble ends.
func (cfg *config) do(req func()) bool {
	select {
	case <-cfg.clients:
		return false
	default:
	}
	done := make(chan struct{})
	cfg.t.Background(func() {
		defer close(done)
		req()
	})
	select {
	case <-done:
		return true
	case <-cfg.clients:
		return false
	}
}

// The wrappers perform an operation and record it for porcupine. An
// operation cut short by stopClients is not recorded (Get returns "").

func (cfg *config) Get(ck *Clerk, client int, key string) string {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Get, Key: key})
	var v string
	if !cfg.do(func() { v = ck.Get(key) }) {
		return ""
	}
	op.End(v)
	cfg.ops.Add(1)
	return v
}

func (cfg *config) Put(ck *Clerk, client int, key, value string) {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Put, Key: key, Value: value})
	if cfg.do(func() { ck.Put(key, value) }) {
		op.End("")
		cfg.ops.Add(1)
	}
}

func (cfg *config) Append(ck *Clerk, client int, key, value string) {
	op := cfg.rec.Start(client, linearize.Input{Op: linearize.Append, Key: key, Value: value})
	if cfg.do(func() { ck.Append(key, value) }) {
		op.End("")
		cfg.ops.Add(1)
	}
}

// check fails the test unless key reads as want through ck.
func (cfg *config) check(ck *Clerk, client int, key, want string) {
	cfg.t.Helper()
	if got := cfg.Get(ck, client, key); got != want {
		cfg.t.Fatalf("Get(%q) = %q; want %q", key, got, want)
	}
}

// observeLocked records what server i's Paxos reports for seq; the caller
// holds cfg.mu.
func (cfg *config) observeLocked(i, seq int, v interface{}) {
	if cfg.err != "" {
		return
	}
	if old, ok := cfg.reported[i][seq]; ok && !reflect.DeepEqual(old, v) {
		cfg.err = fmt.Sprintf("safety: server %d reported instance %d decided as %+v, later as %+v", i, seq, old, v)
		return
	}
	cfg.reported[i][seq] = v
	if first, ok := cfg.seen[seq]; ok && !reflect.DeepEqual(first, v) {
		cfg.err = fmt.Sprintf("safety: instance %d decided as %+v on one server and as %+v on server %d", seq, first, v, i)
		return
	}
	cfg.seen[seq] = v
}

// sweep checks the instances from the first not yet settled up to every
// live server's Max.
func (cfg *config) sweep() {
	cfg.mu.Lock()
	from := cfg.checked
	servers := append([]*KVPaxos(nil), cfg.servers...)
	cfg.mu.Unlock()
	top := -1
	for _, kv := range servers {
		if kv != nil {
			top = max(top, kv.px.Max())
		}
	}
	settled := true
	for seq := from; seq <= top; seq++ {
		for i, kv := range servers {
			if kv == nil {
				continue
			}
			fate, v := kv.px.Status(seq)
			switch fate {
			case paxos.Decided:
				cfg.mu.Lock()
				cfg.observeLocked(i, seq, v)
				cfg.mu.Unlock()
			case paxos.Pending:
				settled = false
			}
		}
		if settled {
			cfg.mu.Lock()
			cfg.checked = seq + 1
			cfg.mu.Unlock()
		}
	}
}

func (cfg *config) stopWatch() {
	cfg.stopOnce.Do(func() {
		close(cfg.stop)
		<-cfg.done
	})
}

// watch sweeps every 50 ms until cleanup.
func (cfg *config) watch() {
	defer close(cfg.done)
	tick := time.NewTicker(50 * ms)
	defer tick.Stop()
	for {
		select {
		case <-cfg.stop:
			return
		case <-tick.C:
			cfg.sweep()
		}
	}
}

func (cfg *config) safetyErr() string {
	cfg.mu.Lock()
	defer cfg.mu.Unlock()
	return cfg.err
}

// randSeq is a random source of one goroutine of a test, derived from the
// test's seed and the goroutine's number, so choices do not depend on how
// goroutines interleave.
type randSeq struct{ r *rand.Rand }

func newRandSeq(seed int64, stream int) *randSeq {
	return &randSeq{r: rand.New(rand.NewPCG(uint64(seed), uint64(stream)+0x6b767078))}
}

func (r *randSeq) intn(n int) int { return r.r.IntN(n) }

// kvGoroutines lists the stacks of goroutines running code of this package
// or of paxos outside their tests, other than client requests the harness
// abandoned (do), which are the Clerk's, not a server's, and goroutines
// of other bubbles.
func kvGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	_, self, _, _ := runtime.Caller(0)
	dir := self[:strings.LastIndex(self, "/")+1] // .../paxos/kvpaxos/
	parent := dir[:strings.LastIndex(dir[:len(dir)-1], "/")+1]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "labtest.background(") || !inCallerBubble(string(buf), g) {
			continue
		}
		for _, line := range strings.Split(g, "\n") {
			line = strings.TrimSpace(line)
			if implFile(line, dir) || implFile(line, parent) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// inCallerBubble reports whether goroutine stack g (from runtime.Stack with
// all=true, whose first goroutine is the caller) runs in the caller's
// synctest bubble; outside a bubble every goroutine counts. Goroutines an
// earlier test left, parked for good in its own bubble, are not this
// test's.
func inCallerBubble(all, g string) bool {
	self := bubbleRE.FindString(all[:strings.IndexByte(all, '\n')+1])
	if self == "" {
		return true
	}
	header, _, _ := strings.Cut(g, "\n")
	return strings.Contains(header, " "+self+"]")
}

var bubbleRE = regexp.MustCompile(`synctest bubble \d+`)

// implFile reports whether a stack line is in a non-test file directly in
// dir.
func implFile(line, dir string) bool {
	if !strings.HasPrefix(line, dir) {
		return false
	}
	file := line[len(dir):]
	if k := strings.IndexByte(file, ':'); k >= 0 {
		file = file[:k]
	}
	// Function lines ("distlabs/paxos/kvpaxos.f()") share the prefix of
	// file lines under -trimpath (as the grader builds): only .go files count.
	return strings.HasSuffix(file, ".go") && !strings.Contains(file, "/") && !strings.HasSuffix(file, "_test.go")
}
