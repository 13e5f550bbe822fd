package raft_test

// Part 2D on a whole cluster: log compaction (§7 of the extended Raft paper).
// The harness snapshots every snapshotInterval applied commands; these tests
// check that the log is really trimmed, that a peer too far behind is brought
// back with InstallSnapshot, and that restarts resume from the snapshot.

import (
	"testing"

	"distlabs/test/labtest"
)

// lagMode is how a snapshot scenario makes one peer fall behind.
type lagMode int

const (
	noLag           lagMode = iota // every peer keeps up
	lagDisconnected                // the peer is cut off, then reconnected
	lagCrashed                     // the peer crashes, then restarts from disk
)

// snapshotScenario describes one of the InstallSnapshot tests.
type snapshotScenario struct {
	desc       string
	lag        lagMode
	unreliable bool
}

// runSnapshotScenario plays 30 rounds on three peers. In each round one peer
// may fall behind (as sc.lag says) while the others commit between half and
// one and a half snapshot intervals of entries, so the leader has often
// discarded what the laggard still needs. §7: the leader must then send
// InstallSnapshot; and at every round the persisted Raft state must stay
// under maxLogSize, which only holds if snapshots really trim the log.
func runSnapshotScenario(t *testing.T, sc snapshotScenario) {
	const n = 3
	const rounds = 30
	cluster(t, n, sc.unreliable, true, sc.desc, func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.Int(), n, true)
		leader := cfg.checkOneLeader()

		// With a laggard, progress needs only the other two peers.
		quorum := n
		if sc.lag != noLag {
			quorum = n - 1
		}

		for round := 0; round < rounds; round++ {
			// Usually a follower falls behind and the leader gets the burst.
			// Every third round the leader itself is the laggard, and the
			// burst goes to a follower, which may or may not win the next
			// election in time to accept it.
			laggard, proposer := (leader+1)%n, leader
			if round%3 == 1 {
				laggard, proposer = leader, (leader+1)%n
			}

			switch sc.lag {
			case lagDisconnected:
				cfg.disconnect(laggard)
				cfg.one(t.Rand.Int(), quorum, true)
			case lagCrashed:
				cfg.crash1(laggard)
				cfg.one(t.Rand.Int(), quorum, true)
			}

			cfg.startMany(proposer, snapshotInterval/2+t.Rand.IntN(snapshotInterval))

			// Wait for the burst to be applied. Without a laggard every peer
			// must keep up, so TestSnapshotBasic2D needs no InstallSnapshot.
			cfg.one(t.Rand.Int(), quorum, true)

			if size := cfg.logSize(); size >= maxLogSize {
				t.Fatalf("Raft state is %d bytes; with snapshots it must stay under %d", size, maxLogSize)
			}

			// Bring the laggard back. If the entries it lacks are already
			// folded into the leader's snapshot, InstallSnapshot is its
			// only way forward.
			switch sc.lag {
			case lagDisconnected:
				cfg.connect(laggard)
			case lagCrashed:
				cfg.restart(laggard)
			}
			if sc.lag != noLag {
				cfg.one(t.Rand.Int(), n, true)
				leader = cfg.checkOneLeader()
			}
		}
	})
}

func TestSnapshotBasic2D(t *testing.T) {
	runSnapshotScenario(t, snapshotScenario{desc: "Test (2D): snapshots keep the log short", lag: noLag})
}

func TestSnapshotInstall2D(t *testing.T) {
	runSnapshotScenario(t, snapshotScenario{desc: "Test (2D): InstallSnapshot to a reconnected peer", lag: lagDisconnected})
}

func TestSnapshotInstallUnreliable2D(t *testing.T) {
	runSnapshotScenario(t, snapshotScenario{desc: "Test (2D): InstallSnapshot to a reconnected peer, lossy network", lag: lagDisconnected, unreliable: true})
}

func TestSnapshotInstallCrash2D(t *testing.T) {
	runSnapshotScenario(t, snapshotScenario{desc: "Test (2D): InstallSnapshot to a restarted peer", lag: lagCrashed})
}

func TestSnapshotInstallUnCrash2D(t *testing.T) {
	runSnapshotScenario(t, snapshotScenario{desc: "Test (2D): InstallSnapshot to a restarted peer, lossy network", lag: lagCrashed, unreliable: true})
}

// TestSnapshotAllCrash2D: §7 — a peer that restarts from a snapshot resumes
// at the snapshot's last included index, so after every peer crashes at once
// new commands go after the old ones and never over them.
func TestSnapshotAllCrash2D(t *testing.T) {
	const n = 3
	const rounds = 5
	cluster(t, n, false, true, "Test (2D): every peer restarts from its snapshot", func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.Int(), n, true)

		for round := 0; round < rounds; round++ {
			// Likely, but not certainly, enough for a new snapshot.
			burst := snapshotInterval/2 + t.Rand.IntN(snapshotInterval)
			for k := 0; k < burst; k++ {
				cfg.one(t.Rand.Int(), n, true)
			}
			before := cfg.one(t.Rand.Int(), n, true)

			cfg.rebootAll()

			if after := cfg.one(t.Rand.Int(), n, true); after <= before {
				t.Fatalf("after a full restart a command went to index %d, not past %d", after, before)
			}
		}
	})
}

// TestSnapshotInit2D: §7 — a restarted peer must take its log's starting
// point (last included index and term) from the persisted snapshot, and what
// it persists next must still agree with that snapshot: the second restart
// reads back the state written after the first.
func TestSnapshotInit2D(t *testing.T) {
	const n = 3
	cluster(t, n, false, true, "Test (2D): two restarts from a snapshot", func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.Int(), n, true)
		// One more than an interval: at least one snapshot is taken.
		for k := 0; k < snapshotInterval+1; k++ {
			cfg.one(t.Rand.Int(), n, true)
		}

		// Restart, then commit one entry so that state is written on
		// top of the restored snapshot.
		cfg.rebootAll()
		cfg.one(t.Rand.Int(), n, true)

		// Restart again and use what that write left behind.
		cfg.rebootAll()
		cfg.one(t.Rand.Int(), n, true)
	})
}
