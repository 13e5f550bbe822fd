package raft_test

// Part 2A on a whole cluster: leader election (§5.2 of the extended Raft
// paper). The per-rule tests of the same part are in rules_paper_test.go; these
// check that elections work end to end while the network fails and heals.

import (
	"testing"

	"distlabs/test/labtest"
)

// TestInitialElection2A: §5.2 — peers start as followers, one times out,
// wins a majority and becomes leader; Figure 2, Rules for Servers, Leaders —
// its heartbeats then keep the others from starting elections while nothing
// fails.
func TestInitialElection2A(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2A): initial election", func(t *labtest.T, cfg *config) {
		cfg.checkOneLeader()

		// Followers adopt the winner's term from its first heartbeat;
		// allow a moment for that before comparing terms.
		sleep(50 * ms)
		elected := cfg.checkTerms()
		if elected < 1 {
			t.Fatalf("all peers report term %d after an election; it must be at least 1", elected)
		}

		// Two quiet election timeouts: heartbeats should hold the term.
		// A timer race can still move it, so that is only reported.
		sleep(2 * electionTimeout)
		if later := cfg.checkTerms(); later != elected {
			t.Logf("warning: term went from %d to %d with no failure", elected, later)
		}

		cfg.checkOneLeader()
	})
}

// TestReElection2A: §5.2 — followers that stop hearing from the leader elect
// a new one; §5.1 — a deposed leader that returns sees the higher term and
// steps down instead of competing; and a candidate needs a majority of votes,
// so a single reachable peer never makes itself leader.
func TestReElection2A(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2A): re-election after the leader is cut off", func(t *labtest.T, cfg *config) {
		first := cfg.checkOneLeader()

		// The other two time out and replace the lost leader.
		cfg.disconnect(first)
		cfg.checkOneLeader()

		// The lost leader returns with a stale term; the cluster must
		// still end up with exactly one leader.
		cfg.connect(first)
		second := cfg.checkOneLeader()

		// Cut away the leader and one more peer. The peer left over can
		// only ever count its own vote: one of three is no majority.
		partner := (second + 1) % n
		cfg.disconnectAll(second, partner)
		sleep(2 * electionTimeout)
		cfg.checkNoLeader()

		// Two of three can elect again.
		cfg.connect(partner)
		cfg.checkOneLeader()

		// The third returning must not leave the cluster leaderless.
		cfg.connect(second)
		cfg.checkOneLeader()
	})
}

// TestManyElections2A: §5.2 with seven peers — round after round up to three
// random peers drop off. The four or more that remain are a majority, so
// every round must settle on one leader (Election Safety, Figure 3), be it
// the old one or a newly elected one.
func TestManyElections2A(t *testing.T) {
	const (
		n       = 7
		rounds  = 9
		dropped = 3 // drawn independently: the same peer may repeat
	)
	cluster(t, n, false, false, "Test (2A): seven peers, repeated elections", func(t *labtest.T, cfg *config) {
		cfg.checkOneLeader()
		for round := 0; round < rounds; round++ {
			out := cfg.randomPeers(dropped)
			cfg.disconnectAll(out...)
			cfg.checkOneLeader()
			cfg.connectAll(out...)
		}
		cfg.checkOneLeader()
	})
}

// TestKillStopsGoroutines2A: the one test that grades the rule "Kill stops
// every goroutine" (see README, "Porting existing student code"). Elsewhere a
// goroutine that outlives its test is only a warning (DISTLABS_LEAKS=warn,
// the default), as in the original course; here it fails: start a cluster,
// elect a leader, let heartbeats run, Kill every peer, and every goroutine
// Make started must have returned within 5 s of virtual time. Typical cause
// of a failure: a helper waiting on a sync.Cond or a channel that Kill does
// not wake (Broadcast the Cond or close a channel in Kill). The peers must
// also have really run (RPCs sent, a term above 0 agreed), so a peer that
// starts no goroutines at all cannot pass by leaking none.
func TestKillStopsGoroutines2A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.StrictLeaks()
		const n = 3
		cfg := makeConfig(t, n, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2A): Kill stops every goroutine")
		cfg.checkOneLeader()
		sleep(2 * electionTimeout)
		// No goroutines means no leak: a peer that only fakes a leader in
		// GetState would pass. Require that the peers really ran: they
		// exchanged RPCs and all agree on a term an election produced.
		if n := cfg.net.GetTotalCount(); n == 0 {
			t.Fatalf("no RPCs were sent: the peers never ran an election or heartbeats")
		}
		if term := cfg.checkTerms(); term < 1 {
			t.Fatalf("peers agree on term %d; an election must have raised it to at least 1", term)
		}
		cfg.end()
	})
}
