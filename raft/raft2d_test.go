package raft_test

import (
	"testing"

	"distlabs/test/labtest"
)

// snapcommon drives a 3-peer cluster whose applier snapshots every
// snapshotInterval entries, with a victim that lags (disconnect or crash) and
// so can only catch up through InstallSnapshot.
func snapcommon(t *labtest.T, name string, disconnect bool, reliable bool, crash bool) {
	iters := 30
	servers := 3
	cfg := makeConfig(t, servers, !reliable, true)
	defer cfg.cleanup()
	cfg.begin(name)

	cfg.one(t.Rand.Int(), servers, true)
	leader1 := cfg.checkOneLeader()

	for i := 0; i < iters; i++ {
		victim := (leader1 + 1) % servers
		sender := leader1
		if i%3 == 1 {
			sender = (leader1 + 1) % servers
			victim = leader1
		}

		if disconnect {
			cfg.disconnect(victim)
			cfg.one(t.Rand.Int(), servers-1, true)
		}
		if crash {
			cfg.crash1(victim)
			cfg.one(t.Rand.Int(), servers-1, true)
		}

		// perhaps send enough to get a snapshot
		nn := (snapshotInterval / 2) + t.Rand.IntN(snapshotInterval)
		for i := 0; i < nn; i++ {
			if rf := cfg.raftAt(sender); rf != nil {
				rf.Start(t.Rand.Int())
			}
		}

		// let applier threads catch up with the Start()'s
		if !disconnect && !crash {
			// make sure all followers have caught up, so that
			// an InstallSnapshot RPC isn't required for
			// TestSnapshotBasic2D().
			cfg.one(t.Rand.Int(), servers, true)
		} else {
			cfg.one(t.Rand.Int(), servers-1, true)
		}

		if size := cfg.logSize(); size >= maxLogSize {
			t.Fatalf("log size too large: %d bytes", size)
		}
		if disconnect {
			// reconnect a follower, who maybe behind and
			// needs to receive a snapshot to catch up.
			cfg.connect(victim)
			cfg.one(t.Rand.Int(), servers, true)
			leader1 = cfg.checkOneLeader()
		}
		if crash {
			cfg.start1(victim)
			cfg.connect(victim)
			cfg.one(t.Rand.Int(), servers, true)
			leader1 = cfg.checkOneLeader()
		}
	}
	cfg.end()
}

func TestSnapshotBasic2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		snapcommon(t, "Test (2D): snapshots basic", false, true, false)
	})
}

func TestSnapshotInstall2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		snapcommon(t, "Test (2D): install snapshots (disconnect)", true, true, false)
	})
}

func TestSnapshotInstallUnreliable2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		snapcommon(t, "Test (2D): install snapshots (disconnect+unreliable)", true, false, false)
	})
}

func TestSnapshotInstallCrash2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		snapcommon(t, "Test (2D): install snapshots (crash)", false, true, true)
	})
}

func TestSnapshotInstallUnCrash2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		snapcommon(t, "Test (2D): install snapshots (unreliable+crash)", false, false, true)
	})
}

// TestSnapshotAllCrash2D: crash and restart all servers, with snapshots;
// the log must continue after the restored snapshot.
func TestSnapshotAllCrash2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		iters := 5
		cfg := makeConfig(t, servers, false, true)
		defer cfg.cleanup()
		cfg.begin("Test (2D): crash and restart all servers")

		cfg.one(t.Rand.Int(), servers, true)

		for i := 0; i < iters; i++ {
			// perhaps enough to get a snapshot
			nn := (snapshotInterval / 2) + t.Rand.IntN(snapshotInterval)
			for i := 0; i < nn; i++ {
				cfg.one(t.Rand.Int(), servers, true)
			}

			index1 := cfg.one(t.Rand.Int(), servers, true)

			// crash all
			for i := 0; i < servers; i++ {
				cfg.crash1(i)
			}

			// revive all
			for i := 0; i < servers; i++ {
				cfg.start1(i)
				cfg.connect(i)
			}

			index2 := cfg.one(t.Rand.Int(), servers, true)
			if index2 < index1+1 {
				t.Fatalf("index decreased from %v to %v", index1, index2)
			}
		}
		cfg.end()
	})
}

// TestSnapshotInit2D: a restart from a snapshot must restore the log
// position even when nothing new was persisted since.
func TestSnapshotInit2D(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, true)
		defer cfg.cleanup()
		cfg.begin("Test (2D): snapshot initialization after crash")
		cfg.one(t.Rand.Int(), servers, true)

		// enough ops to make a snapshot
		nn := snapshotInterval + 1
		for i := 0; i < nn; i++ {
			cfg.one(t.Rand.Int(), servers, true)
		}

		restartAll := func() {
			for i := 0; i < servers; i++ {
				cfg.crash1(i)
			}
			for i := 0; i < servers; i++ {
				cfg.start1(i)
				cfg.connect(i)
			}
		}

		restartAll()
		// a single op, to get something to be written back to
		// persistent storage.
		cfg.one(t.Rand.Int(), servers, true)

		restartAll()
		// do another op to trigger potential bug
		cfg.one(t.Rand.Int(), servers, true)
		cfg.end()
	})
}
