package raft_test

import (
	"testing"

	"distlabs/test/labtest"
)

func TestInitialElection2A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2A): initial election")

		// is a leader elected?
		cfg.checkOneLeader()

		// sleep a bit to avoid racing with followers learning of the
		// election, then check that all peers agree on the term.
		sleep(50 * ms)
		term1 := cfg.checkTerms()
		if term1 < 1 {
			t.Fatalf("term is %v, but should be at least 1", term1)
		}

		// does the leader+term stay the same if there is no network failure?
		sleep(2 * electionTimeout)
		term2 := cfg.checkTerms()
		if term1 != term2 {
			t.Logf("warning: term changed even though there were no failures")
		}

		// there should still be a leader.
		cfg.checkOneLeader()
		cfg.end()
	})
}

func TestReElection2A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2A): election after network failure")

		leader1 := cfg.checkOneLeader()

		// if the leader disconnects, a new one should be elected.
		cfg.disconnect(leader1)
		cfg.checkOneLeader()

		// if the old leader rejoins, that shouldn't disturb the new leader.
		cfg.connect(leader1)
		leader2 := cfg.checkOneLeader()

		// if there's no quorum, no new leader should be elected.
		cfg.disconnect(leader2)
		cfg.disconnect((leader2 + 1) % servers)
		sleep(2 * electionTimeout)

		// check that the one connected server does not think it is the leader.
		cfg.checkNoLeader()

		// if a quorum arises, it should elect a leader.
		cfg.connect((leader2 + 1) % servers)
		cfg.checkOneLeader()

		// re-join of last node shouldn't prevent leader from existing.
		cfg.connect(leader2)
		cfg.checkOneLeader()
		cfg.end()
	})
}

func TestManyElections2A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 7
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2A): multiple elections")

		cfg.checkOneLeader()

		iters := 10
		for ii := 1; ii < iters; ii++ {
			// disconnect three nodes
			i1 := t.Rand.IntN(servers)
			i2 := t.Rand.IntN(servers)
			i3 := t.Rand.IntN(servers)
			cfg.disconnect(i1)
			cfg.disconnect(i2)
			cfg.disconnect(i3)

			// either the current leader should still be alive,
			// or the remaining four should elect a new one.
			cfg.checkOneLeader()

			cfg.connect(i1)
			cfg.connect(i2)
			cfg.connect(i3)
		}
		cfg.checkOneLeader()
		cfg.end()
	})
}
