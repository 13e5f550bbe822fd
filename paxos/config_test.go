package paxos

// The group harness every test in this package builds on: n peers in a
// tester.Group on a tester.Net seeded from the test's seed, faults by
// partition, deafness, unreliable links and Kill, and a safety checker
// (kvtest.Decisions) that runs through the whole test. The checker asserts
// the two safety properties of consensus ("Paxos Made Simple", §2.1) for
// every instance, from outside:
//
//   - agreement: no two peers ever report different decided values for one
//     instance, and a peer never changes the value it reported;
//   - validity: a decided value is one that was passed to Start for that
//     instance.
//
// It polls Status on every live peer every 50 ms (virtual), and once more
// when the test ends.

import (
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

const (
	ms  = time.Millisecond
	sec = time.Second
)

// decideTimeout bounds how long the waits give a group to decide.
const decideTimeout = 20 * sec

// watchInterval is how often the safety checker polls every peer.
const watchInterval = 50 * ms

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
	net *tester.Net
	g   *tester.Group[*Paxos]
	n   int
	dec *kvtest.Decisions

	stopWatch func() // stops the safety checker's polling

	mu      sync.Mutex
	settled map[int]bool // decided or forgotten on every live peer
}

// makeCluster starts n connected peers and the safety checker.
func makeCluster(t *labtest.T, n int, unreliable bool) *cluster {
	net := tester.NewNet(t, !unreliable)
	c := &cluster{
		t:   t,
		net: net,
		g: tester.NewGroup(net, tester.Spec[*Paxos]{
			Name: "px",
			N:    n,
			Start: func(i int, ends []*labrpc.ClientEnd) (*Paxos, []any) {
				px := Make(ends, i)
				return px, []any{px}
			},
		}),
		n:       n,
		dec:     kvtest.NewDecisions(true),
		settled: map[int]bool{},
	}
	c.g.StartAll()
	c.stopWatch = kvtest.Watch(watchInterval, func() { c.sweep(false) })
	return c
}

// run is the frame of a test: a group of n peers, begun with desc and
// cleaned up when body returns.
func run(t *testing.T, n int, unreliable bool, desc string, body func(t *labtest.T, c *cluster)) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeCluster(t, n, unreliable)
		defer c.cleanup()
		c.net.Begin("Test (A): " + desc)
		body(t, c)
	})
}

// cleanup kills every peer and the network and reports a safety violation
// seen at any time.
func (c *cluster) cleanup() {
	c.stopWatch()
	c.sweep(true)
	c.g.Shutdown()
	c.net.Cleanup()
	if err := c.dec.Err(); err != "" && !c.t.Failed() {
		c.t.Error(err)
	}
}

// end checks safety and prints the pass line, counting instances as the
// operations.
func (c *cluster) end(instances int) {
	c.t.Helper()
	c.sweep(true)
	if err := c.dec.Err(); err != "" {
		c.t.Fatal(err)
	}
	for range instances - c.net.Ops() {
		c.net.Op()
	}
	c.net.Passed(c.n)
}

// peer returns peer i, or nil once it was killed.
func (c *cluster) peer(i int) *Paxos {
	px, _ := c.g.Server(i)
	return px
}

// kill stops peer i and removes it from the network.
func (c *cluster) kill(i int) { c.g.Crash(i) }

// start records v as proposed for seq and calls Start on peer i.
func (c *cluster) start(i, seq int, v any) {
	c.dec.Proposed(seq, v)
	if px := c.peer(i); px != nil {
		px.Start(seq, v)
	}
}

// startAll has every peer i propose v(i) for seq.
func (c *cluster) startAll(seq int, v func(i int) any) {
	for i := 0; i < c.n; i++ {
		c.start(i, seq, v(i))
	}
}

// decideAll has every peer propose v(i) for seq and waits until every
// peer knows the decision.
func (c *cluster) decideAll(seq int, v func(i int) any) {
	c.t.Helper()
	c.startAll(seq, v)
	c.waitn(seq, c.n)
}

// same is a v for startAll: one value for every peer.
func same(v any) func(int) any { return func(int) any { return v } }

// own is a v for startAll: each peer its own value for seq.
func own(seq int) func(int) any { return func(i int) any { return seq*10 + i } }

// status is Status on peer i, checked by the safety checker.
func (c *cluster) status(i, seq int) (Fate, any) {
	px := c.peer(i)
	if px == nil {
		return Pending, nil
	}
	fate, v := px.Status(seq)
	if fate == Decided {
		c.dec.Observe(i, seq, v)
	}
	return fate, v
}

// sweep checks every proposed instance on every live peer; with all false
// it skips instances a previous sweep found settled (decided or forgotten on
// every live peer), which keeps the watcher cheap in long tests.
func (c *cluster) sweep(all bool) {
	for _, seq := range c.dec.Instances() {
		c.mu.Lock()
		skip := !all && c.settled[seq]
		c.mu.Unlock()
		if skip {
			continue
		}
		settled := true
		for i := 0; i < c.n; i++ {
			if fate, _ := c.status(i, seq); fate == Pending && c.peer(i) != nil {
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
	if err := c.dec.Err(); err != "" {
		c.t.Fatal(err)
	}
	return count
}

// waitn waits until at least wanted peers know seq's decision.
func (c *cluster) waitn(seq, wanted int) {
	c.t.Helper()
	deadline := time.Now().Add(decideTimeout)
	// no builtin min here: 2015 code often declares its own min, which
	// would shadow it in this package (test/shape, TestPortedTestsAvoidMinMax)
	for pause := 10 * ms; c.ndecided(seq) < wanted; pause *= 2 {
		if time.Now().After(deadline) {
			c.t.Fatalf("instance %d: only %d peers decided after %v; wanted %d", seq, c.ndecided(seq), decideTimeout, wanted)
		}
		if pause > sec {
			pause = sec
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

// checkDecided fails the test unless seq was decided as want.
func (c *cluster) checkDecided(seq int, want any, why string) {
	c.t.Helper()
	for i := 0; i < c.n; i++ {
		if fate, v := c.status(i, seq); fate == Decided {
			if v != want {
				c.t.Fatalf("instance %d decided %v; %s", seq, v, why)
			}
			return
		}
	}
	c.t.Fatalf("instance %d decided on no peer; want %v", seq, want)
}

// checkPeers fails the test unless got(peer i) is want on every peer in
// peers (all when none are given): Min or Max after some Done calls.
func (c *cluster) checkPeers(what string, got func(*Paxos) int, want int, why string, peers ...int) {
	c.t.Helper()
	if len(peers) == 0 {
		peers = c.g.All()
	}
	for _, i := range peers {
		if v := got(c.peer(i)); v != want {
			c.t.Fatalf("peer %d: %s() = %d %s; want %d", i, what, v, why, want)
		}
	}
}

// checkMin is checkPeers of Min.
func (c *cluster) checkMin(want int, why string, peers ...int) {
	c.t.Helper()
	c.checkPeers("Min", (*Paxos).Min, want, why, peers...)
}

// checkMax is checkPeers of Max.
func (c *cluster) checkMax(want int, why string) {
	c.t.Helper()
	c.checkPeers("Max", (*Paxos).Max, want, why)
}

// checkFate fails the test unless instance seq has the given fate on
// every live peer.
func (c *cluster) checkFate(seq int, want Fate, why string) {
	c.t.Helper()
	for i := 0; i < c.n; i++ {
		if fate, v := c.status(i, seq); c.peer(i) != nil && fate != want {
			c.t.Fatalf("peer %d: Status(%d) = %v, %v %s; want %v", i, seq, fate, v, why, want)
		}
	}
}

// eachProposes has every peer in turn propose an instance of its own
// (first+i for peer i, value v) and waits until every peer knows each
// decision. This is the traffic that carries every peer's Done value to
// every other peer, whichever messages an implementation piggybacks it
// on (2015 allowed any): the 2015 tests made the same traffic (every peer
// Starts an instance of its own after the Done calls). All peers proposing
// one shared instance is not enough: a peer that loses the race, or sees
// the decision before its own round, may send nothing at all.
func (c *cluster) eachProposes(first int, v any) {
	c.t.Helper()
	for i := 0; i < c.n; i++ {
		c.start(i, first+i, v)
		c.waitn(first+i, c.n)
	}
}

// awaitMin waits up to within for every peer's Min to be want, with no
// further traffic, and fails the test (naming a peer) if it is not. The
// wait lets a Done value that rides on a reply arrive after the decision
// it came with.
func (c *cluster) awaitMin(want int, within time.Duration, why string) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for !c.allMin(want) {
		if time.Now().After(deadline) {
			c.checkMin(want, why)
		}
		time.Sleep(100 * ms)
	}
}

// allMin reports whether every peer's Min is want.
func (c *cluster) allMin(want int) bool {
	for i := 0; i < c.n; i++ {
		if c.peer(i).Min() != want {
			return false
		}
	}
	return true
}

// doneAll has every peer call Done(upto).
func (c *cluster) doneAll(upto int) {
	for i := 0; i < c.n; i++ {
		c.peer(i).Done(upto)
	}
}

// serial has peer by(seq) propose v(seq) for instances 0..seqs-1 in turn,
// waiting until every peer knows each decision.
func (c *cluster) serial(seqs int, by func(seq int) int, v func(seq int) any) {
	c.t.Helper()
	for seq := 0; seq < seqs; seq++ {
		c.start(by(seq), seq, v(seq))
		c.waitn(seq, c.n)
	}
}

// peer0 is a by for serial: peer 0 proposes every instance.
func peer0(int) int { return 0 }

// identity is a v for serial: instance seq's value is seq.
func identity(seq int) any { return seq }

// waitSettled waits until instances 0..seqs-1 are decided or forgotten on
// every live peer, failing the test if one is still pending after within.
func (c *cluster) waitSettled(seqs int, within time.Duration, after string) {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for seq := 0; seq < seqs; seq++ {
		for i := 0; i < c.n; i++ {
			for c.peer(i) != nil {
				if fate, _ := c.status(i, seq); fate != Pending {
					break
				}
				if time.Now().After(deadline) {
					c.t.Fatalf("peer %d: instance %d still pending %v %s", i, seq, within, after)
				}
				time.Sleep(watchInterval)
			}
		}
	}
}

// pause waits d, or less if stop is closed first; it reports whether the
// caller should go on (stop is still open).
func pause(stop <-chan struct{}, d time.Duration) bool {
	select {
	case <-stop:
		return false
	case <-time.After(d):
		return true
	}
}
