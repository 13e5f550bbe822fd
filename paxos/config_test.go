package paxos

// The group harness every test in this package builds on: n peers on a
// labrpc network seeded from the test's seed, faults by partition, deafness,
// unreliable links and Kill, and a safety checker that runs through the whole
// test. The checker asserts the two safety properties of consensus
// ("Paxos Made Simple", §2.1) for every instance, from outside:
//
//   - agreement: no two peers ever report different decided values for one
//     instance, and a peer never changes the value it reported;
//   - validity: a decided value is one that was passed to Start for that
//     instance.
//
// It polls Status on every live peer every 50 ms (virtual), and once more
// when the test ends.

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/test/labtest"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

// decideTimeout bounds how long the waits give a group to decide.
const decideTimeout = 20 * sec

// value is a test value that is not an int or a string, so the group must
// carry arbitrary labgob-encodable types.
type value struct {
	Seq   int
	Peer  int
	Bytes string
}

func init() {
	labgob.Register(0)
	labgob.Register("")
	labgob.Register(value{})
}

type cluster struct {
	t   *labtest.T
	net *labrpc.Network
	n   int

	mu       sync.Mutex
	pxs      []*Paxos // nil once killed
	proposed map[int][]interface{}
	seen     map[int]interface{} // first decided value observed per instance
	seenBy   map[int]int         // which peer reported it
	reported []map[int]interface{}
	settled  map[int]bool // decided or forgotten on every live peer
	err      string       // first safety violation

	stop, done chan struct{}
	stopOnce   sync.Once
	rpcs0      int
}

// makeCluster starts n connected peers.
func makeCluster(t *labtest.T, n int, unreliable bool) *cluster {
	c := &cluster{
		t:        t,
		net:      labrpc.MakeNetwork(),
		n:        n,
		pxs:      make([]*Paxos, n),
		proposed: map[int][]interface{}{},
		seen:     map[int]interface{}{},
		seenBy:   map[int]int{},
		settled:  map[int]bool{},
		reported: make([]map[int]interface{}, n),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	c.net.Reliable(!unreliable)
	for i := 0; i < n; i++ {
		c.reported[i] = map[int]interface{}{}
		ends := make([]*labrpc.ClientEnd, n)
		for j := 0; j < n; j++ {
			// Deterministic names: labrpc draws each link's faults from
			// (seed, end name, message number).
			ends[j] = c.net.MakeEnd(endName(i, j))
			c.net.Connect(endName(i, j), j)
			c.net.Enable(endName(i, j), true)
		}
		c.pxs[i] = Make(ends, i)
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(c.pxs[i]))
		c.net.AddServer(i, srv)
	}
	go c.watch()
	return c
}

func endName(from, to int) string { return fmt.Sprintf("px-%d-%d", from, to) }

// cleanup kills every peer and the network and reports a safety violation
// seen at any time. Tests defer it.
func (c *cluster) cleanup() {
	c.stopWatch()
	c.sweep(true)
	for i := 0; i < c.n; i++ {
		c.kill(i)
	}
	c.net.Cleanup()
	if err := c.safetyErr(); err != "" && !c.t.Failed() {
		c.t.Error(err)
	}
}

// begin prints the test's start line and resets the RPC counter.
func (c *cluster) begin(desc string) {
	c.t.Begin(desc)
	c.rpcs0 = c.net.GetTotalCount()
}

// end checks safety and prints the pass line.
func (c *cluster) end(instances int) {
	c.t.Helper()
	c.sweep(true)
	if err := c.safetyErr(); err != "" {
		c.t.Fatal(err)
	}
	c.t.Passed(c.n, c.net.GetTotalCount()-c.rpcs0, c.net.GetTotalBytes(), instances)
}

func (c *cluster) peer(i int) *Paxos {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pxs[i]
}

// start records v as proposed for seq and calls Start on peer i.
func (c *cluster) start(i, seq int, v interface{}) {
	c.mu.Lock()
	c.proposed[seq] = append(c.proposed[seq], v)
	px := c.pxs[i]
	c.mu.Unlock()
	if px != nil {
		px.Start(seq, v)
	}
}

// kill stops peer i and removes it from the network.
func (c *cluster) kill(i int) {
	c.mu.Lock()
	px := c.pxs[i]
	c.pxs[i] = nil
	c.mu.Unlock()
	c.net.DeleteServer(i)
	if px != nil {
		px.Kill()
	}
}

// partition connects peers within each group and cuts every other link; a
// peer in no group is isolated.
func (c *cluster) partition(groups ...[]int) {
	group := make([]int, c.n)
	for i := range group {
		group[i] = -1 - i
	}
	for g, members := range groups {
		for _, i := range members {
			group[i] = g
		}
	}
	for i := 0; i < c.n; i++ {
		for j := 0; j < c.n; j++ {
			c.net.Enable(endName(i, j), group[i] == group[j])
		}
	}
}

// heal connects everybody.
func (c *cluster) heal() {
	for i := 0; i < c.n; i++ {
		for j := 0; j < c.n; j++ {
			c.net.Enable(endName(i, j), true)
		}
	}
}

// deafen makes peer i unable to receive requests; its own requests and
// their replies still go through.
func (c *cluster) deafen(i int) {
	for j := 0; j < c.n; j++ {
		if j != i {
			c.net.Enable(endName(j, i), false)
		}
	}
}

// observe records what peer i reports for seq and checks it against every
// earlier report; the caller holds c.mu.
func (c *cluster) observeLocked(i, seq int, fate Fate, v interface{}) {
	if fate != Decided || c.err != "" {
		return
	}
	if old, ok := c.reported[i][seq]; ok && !reflect.DeepEqual(old, v) {
		c.err = fmt.Sprintf("safety: peer %d reported instance %d decided as %v, later as %v", i, seq, old, v)
		return
	}
	c.reported[i][seq] = v
	if first, ok := c.seen[seq]; ok {
		if !reflect.DeepEqual(first, v) {
			c.err = fmt.Sprintf("safety: instance %d decided as %v on peer %d but as %v on peer %d", seq, first, c.seenBy[seq], v, i)
		}
		return
	}
	valid := false
	for _, p := range c.proposed[seq] {
		if reflect.DeepEqual(p, v) {
			valid = true
			break
		}
	}
	if !valid {
		c.err = fmt.Sprintf("safety: instance %d decided on peer %d as %v, which was never proposed for it (proposed: %v)", seq, i, v, c.proposed[seq])
		return
	}
	c.seen[seq], c.seenBy[seq] = v, i
}

// status is Status on peer i, checked by the safety checker.
func (c *cluster) status(i, seq int) (Fate, interface{}) {
	px := c.peer(i)
	if px == nil {
		return Pending, nil
	}
	fate, v := px.Status(seq)
	c.mu.Lock()
	c.observeLocked(i, seq, fate, v)
	c.mu.Unlock()
	return fate, v
}

// sweep checks every proposed instance on every live peer; with all false
// it skips instances a previous sweep found settled (decided or forgotten on
// every live peer), which keeps the watcher cheap in long tests.
func (c *cluster) sweep(all bool) {
	c.mu.Lock()
	seqs := make([]int, 0, len(c.proposed))
	for seq := range c.proposed {
		if all || !c.settled[seq] {
			seqs = append(seqs, seq)
		}
	}
	c.mu.Unlock()
	for _, seq := range seqs {
		settled := true
		for i := 0; i < c.n; i++ {
			if c.peer(i) == nil {
				continue
			}
			if fate, _ := c.status(i, seq); fate == Pending {
				settled = false
			}
		}
		if settled {
			c.mu.Lock()
			c.settled[seq] = true
			c.mu.Unlock()
		}
	}
}

// stopWatch stops the watcher (a final sweep is still done by end and
// cleanup).
func (c *cluster) stopWatch() {
	c.stopOnce.Do(func() {
		close(c.stop)
		<-c.done
	})
}

// watch sweeps every 50 ms until cleanup.
func (c *cluster) watch() {
	defer close(c.done)
	tick := time.NewTicker(50 * ms)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
			c.sweep(false)
		}
	}
}

func (c *cluster) safetyErr() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// ndecided returns how many live peers know seq's decision; a safety
// violation fails the test at once.
func (c *cluster) ndecided(seq int) int {
	c.t.Helper()
	count := 0
	for i := 0; i < c.n; i++ {
		if fate, _ := c.status(i, seq); fate == Decided {
			count++
		}
	}
	if err := c.safetyErr(); err != "" {
		c.t.Fatal(err)
	}
	return count
}

// waitn waits until at least wanted peers know seq's decision.
func (c *cluster) waitn(seq, wanted int) {
	c.t.Helper()
	deadline := time.Now().Add(decideTimeout)
	for pause := 10 * ms; c.ndecided(seq) < wanted; pause = min(2*pause, sec) {
		if time.Now().After(deadline) {
			c.t.Fatalf("instance %d: only %d peers decided after %v; wanted %d", seq, c.ndecided(seq), decideTimeout, wanted)
		}
		time.Sleep(pause)
	}
}

// waitMajority waits until a majority of the group knows seq's decision.
func (c *cluster) waitMajority(seq int) { c.t.Helper(); c.waitn(seq, c.n/2+1) }

// checkAtMost fails the test if more than most peers decided seq.
func (c *cluster) checkAtMost(seq, most int) {
	c.t.Helper()
	if got := c.ndecided(seq); got > most {
		c.t.Fatalf("instance %d: %d peers decided; at most %d can (the others cannot reach a majority)", seq, got, most)
	}
}

// decidedValue returns the value of seq on some peer that decided it.
func (c *cluster) decidedValue(seq int) interface{} {
	for i := 0; i < c.n; i++ {
		if fate, v := c.status(i, seq); fate == Decided {
			return v
		}
	}
	return nil
}

// rpcs is the number of RPCs sent since begin.
func (c *cluster) rpcs() int { return c.net.GetTotalCount() - c.rpcs0 }

// paxosGoroutines lists the stacks of goroutines running code of this
// package outside its tests (the implementation's goroutines) in the
// caller's bubble.
func paxosGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if inCallerBubble(string(buf), g) && implFrame(g) {
			out = append(out, g)
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

// implFrame reports whether a goroutine stack has a frame in a non-test
// file of the directory of this package.
func implFrame(stack string) bool {
	_, self, _, _ := runtime.Caller(0)
	dir := self[:strings.LastIndex(self, "/")+1]
	for _, line := range strings.Split(stack, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, dir) {
			continue
		}
		file := line[len(dir):]
		if k := strings.IndexByte(file, ':'); k >= 0 {
			file = file[:k]
		}
		// Function lines share the prefix of file lines under -trimpath
		// (as the grader builds): only .go files count.
		if strings.HasSuffix(file, ".go") && !strings.Contains(file, "/") && !strings.HasSuffix(file, "_test.go") {
			return true
		}
	}
	return false
}

// randSeq is a random source of one goroutine of a test, derived from the
// test's seed and the goroutine's number.
type randSeq struct{ r *rand.Rand }

func newRandSeq(seed int64, stream int) *randSeq {
	return &randSeq{r: rand.New(rand.NewPCG(uint64(seed), uint64(stream)+0x7061786f73))}
}

func (r *randSeq) intn(n int) int { return r.r.IntN(n) }
