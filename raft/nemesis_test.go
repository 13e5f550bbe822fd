package raft_test

// Randomized nemesis tests: clients keep proposing commands while a nemesis
// partitions the cluster, crashes and restarts peers and degrades the
// network, for a long virtual period. The Raft safety properties (Figure 3
// of the extended paper) are checked continuously, from outside:
//
//   - Election Safety: at most one leader per term, ever (GetState polled
//     every 10 ms, remembered across the whole run);
//   - terms never decrease on a peer, across crashes too (currentTerm is
//     persistent state, Figure 2);
//   - State Machine Safety, and with it Log Matching and Leader Completeness
//     as far as they can be observed: every apply is compared with what every
//     other peer ever applied at that index, and applies come in index order
//     without gaps (config.applier);
//   - no committed command is lost: every command a client saw committed is
//     at its index in the final log.
//
// Liveness is checked once the nemesis stops: after healing, a new command
// must commit on every peer within 10 s.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// nemesisDuration is the virtual time the nemesis runs for.
const nemesisDuration = 40 * time.Second

type invariants struct {
	cfg      *config
	mu       sync.Mutex
	leaderOf map[int]int // term -> the peer that was leader in it
	lastTerm []int       // highest term each peer reported
	err      string
}

func (inv *invariants) fail(format string, args ...interface{}) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.err == "" {
		inv.err = fmt.Sprintf(format, args...)
	}
}

// watch polls every peer's state until stop is closed.
func (inv *invariants) watch(stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(10 * ms)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		for i := 0; i < inv.cfg.n; i++ {
			rf := inv.cfg.raftAt(i)
			if rf == nil {
				continue
			}
			term, leader := rf.GetState()
			inv.mu.Lock()
			if term < inv.lastTerm[i] {
				inv.mu.Unlock()
				inv.fail("peer %d's term went back from %d to %d, across a crash or not; "+
					"Figure 2: currentTerm is persistent state and only increases "+
					"(persist it before replying or sending, and never lower it, e.g. when a reply carries an older term)",
					i, inv.lastTerm[i], term)
				continue
			}
			inv.lastTerm[i] = term
			other, seen := inv.leaderOf[term]
			if leader && !seen {
				inv.leaderOf[term] = i
			}
			inv.mu.Unlock()
			if leader && seen && other != i {
				inv.fail("election safety: peers %d and %d were both leader in term %d", other, i, term)
			}
		}
	}
}

// check fails the test at the first violation found so far.
func (inv *invariants) check() {
	inv.cfg.failIfApplyErr()
	inv.mu.Lock()
	err := inv.err
	inv.mu.Unlock()
	if err != "" {
		inv.cfg.t.Fatalf("%s", err)
	}
}

type ack struct{ index, cmd int }

// nemesisClient proposes unique commands until stop, returning those it saw
// committed.
func nemesisClient(cfg *config, me int, stop *atomic.Bool, out chan<- []ack) {
	var acks []ack
	defer func() { out <- acks }()
	for seq := 1; !stop.Load(); seq++ {
		cmd := (me+1)*1_000_000 + seq
		index := -1
		for i := 0; i < cfg.n && index == -1; i++ {
			if rf := cfg.raftAt(i); rf != nil {
				if index1, _, ok := rf.Start(cmd); ok {
					index = index1
				}
			}
		}
		if index != -1 {
			for k := 0; k < 50; k++ {
				if nd, v := cfg.peek(index); nd > 0 {
					if v == cmd {
						acks = append(acks, ack{index, cmd})
					}
					break
				}
				sleep(20 * ms)
			}
		}
		sleep(100 * ms)
	}
}

func nemesis(t *labtest.T, part string, snapshots bool) {
	servers := 5
	cfg := makeConfig(t, servers, false, snapshots)
	defer cfg.cleanup()
	cfg.begin(fmt.Sprintf("Test (%s): randomized nemesis, safety checked continuously", part))

	inv := &invariants{cfg: cfg, leaderOf: map[int]int{}, lastTerm: make([]int, servers)}
	stopInv, invDone := make(chan struct{}), make(chan struct{})
	go inv.watch(stopInv, invDone)
	defer func() {
		close(stopInv)
		<-invDone
	}()

	var stop atomic.Bool
	ncli := 2
	out := make(chan []ack, ncli)
	for c := 0; c < ncli; c++ {
		go nemesisClient(cfg, c, &stop, out)
	}
	// Stop and collect the clients even if the test fails early.
	received := 0
	defer func() {
		stop.Store(true)
		for ; received < ncli; received++ {
			<-out
		}
	}()

	// Every random choice of the nemesis is drawn here, on the test's
	// goroutine, so a seed replays the same schedule.
	unreliable, reordering := false, false
	for t0 := time.Now(); time.Since(t0) < nemesisDuration; {
		switch t.Rand.IntN(9) {
		case 7: // power failure: crash and restart a random majority
			for _, i := range t.Rand.Perm(servers)[:servers/2+1] {
				cfg.start1(i)
				cfg.connect(i)
			}
		case 8: // crash whoever is leader, Figure 8 style
			for i := 0; i < servers; i++ {
				if rf := cfg.raftAt(i); rf != nil {
					if _, leader := rf.GetState(); leader {
						cfg.crash1(i)
					}
				}
			}
		case 0, 1: // a random two-way partition
			group := make([]int, servers)
			for i := range group {
				group[i] = t.Rand.IntN(2)
			}
			cfg.partition(group)
		case 2:
			cfg.partition(nil)
		case 3: // crash a peer
			cfg.crash1(t.Rand.IntN(servers))
		case 4: // restart a crashed peer
			i := t.Rand.IntN(servers)
			if cfg.raftAt(i) == nil {
				cfg.start1(i)
				cfg.connect(i)
			}
		case 5:
			unreliable = !unreliable
			cfg.setUnreliable(unreliable)
		case 6:
			reordering = !reordering && t.Rand.IntN(2) == 0
			cfg.setLongReordering(reordering)
		}
		inv.check()
		if t.Rand.IntN(4) == 0 {
			sleep(time.Duration(t.Rand.IntN(20)) * ms) // act within a round trip
		} else {
			sleep(time.Duration(100+t.Rand.IntN(900)) * ms)
		}
	}

	// Heal everything; the cluster must make progress again.
	cfg.partition(nil)
	cfg.setUnreliable(false)
	cfg.setLongReordering(false)
	for i := 0; i < servers; i++ {
		if cfg.raftAt(i) == nil {
			cfg.start1(i)
		}
		cfg.connect(i)
	}
	stop.Store(true)
	var acks []ack
	for ; received < ncli; received++ {
		acks = append(acks, <-out...)
	}
	cfg.one(-1, servers, true)
	for _, a := range acks {
		if v := cfg.wait(a.index, servers, -1); v != a.cmd {
			t.Fatalf("command %d was committed at index %d, but the final log has %v there", a.cmd, a.index, v)
		}
	}
	inv.check()
	if len(acks) == 0 {
		t.Fatalf("no command committed during the nemesis run")
	}
	for range acks {
		cfg.net.Op()
	}
	cfg.end()
}

func TestNemesis2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { nemesis(t, "2C", false) })
}

func TestNemesis2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { nemesis(t, "2D", true) })
}
