package kvraft

import (
	"strconv"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The 3B suite (snapshots), with the names and limits of the 6.824 (2022)
// lab. Every test records the clients' operations and checks the history
// for linearizability with porcupine when it ends.

// TestSnapshotRPC3B isolates server 2 while servers 0 and 1 commit enough
// to compact their logs, so server 2 can only catch up by InstallSnapshot;
// then it has to serve, as leader, from the state it installed.
//
// Differences from the 6.824 version of this test: a Raft entry is small
// here, and 50 Puts would fit in 8*maxraftstate with no compaction at all,
// so the isolated phase does 200 to make a missing snapshot fail the test.
// The last partition, in which server 2 must lead, is an addition.
func TestSnapshotRPC3B(t *testing.T) {
	const (
		nservers     = 3
		maxraftstate = 1000
		nputs        = 200
	)
	cluster(t, nservers, false, maxraftstate, "Test (3B): InstallSnapshot RPC", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())

		cfg.h.Put(ck, 0, "a", "A")
		cfg.h.Expect(ck, 0, "a", "A")

		// Stage 1: server 2 is cut off while {0, 1} commit far more than
		// fits in maxraftstate.
		cfg.g.Partition([]int{0, 1}, []int{2})
		pair := cfg.makeClient([]int{0, 1})
		for i := range nputs {
			cfg.h.Put(pair, 1, strconv.Itoa(i), strconv.Itoa(i))
		}
		time.Sleep(electionTimeout)
		cfg.h.Put(pair, 1, "b", "B")
		checkRaftStateBound(t, cfg, maxraftstate, "while server 2 was cut off")

		// Stage 2: {0, 2} can only commit once server 2 has caught up, and
		// the entries it lacks are gone from server 0's log.
		cfg.g.Partition([]int{0, 2}, []int{1})
		viaTwo := cfg.makeClient([]int{0, 2})
		cfg.h.Put(viaTwo, 2, "c", "C")
		cfg.h.Put(viaTwo, 2, "d", "D")
		for _, want := range [][2]string{{"a", "A"}, {"b", "B"}, {"1", "1"}, {"49", "49"}} {
			cfg.h.Expect(viaTwo, 2, want[0], want[1])
		}

		// Stage 3: {1, 2}. Server 1 has neither c nor d, so only server 2
		// can win the election, and it answers from the snapshot it got.
		cfg.g.Partition([]int{1, 2}, []int{0})
		newLeader := cfg.makeClient([]int{1, 2})
		last := strconv.Itoa(nputs - 1)
		for _, want := range [][2]string{{"a", "A"}, {"d", "D"}, {last, last}} {
			cfg.h.Expect(newLeader, 3, want[0], want[1])
		}

		// Stage 4: all three together again.
		cfg.g.Partition([]int{0, 1, 2}, nil)
		cfg.h.Put(ck, 0, "e", "E")
		for _, want := range [][2]string{{"c", "C"}, {"e", "E"}, {"1", "1"}} {
			cfg.h.Expect(ck, 0, want[0], want[1])
		}
	})
}

// TestSnapshotSize3B: with snapshots on, the Raft state stays bounded, and a
// snapshot of a store holding one short key is itself small.
func TestSnapshotSize3B(t *testing.T) {
	const (
		nservers     = 3
		maxraftstate = 1000
		maxSnapshot  = 500
		writes       = 400
	)
	cluster(t, nservers, false, maxraftstate, "Test (3B): snapshot size is reasonable", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())
		for i := range writes {
			v := strconv.Itoa(i % 2) // "0", "1", "0", ...: the store stays tiny
			cfg.h.Put(ck, 0, "x", v)
			cfg.h.Expect(ck, 0, "x", v)
		}
		checkRaftStateBound(t, cfg, maxraftstate, "")
		if got := cfg.snapshotSize(); got > maxSnapshot {
			t.Fatalf("a snapshot takes %d bytes, over the %d allowed for a store holding one short key", got, maxSnapshot)
		}
	})
}

func TestSpeed3B(t *testing.T) { speedTest(t, "3B", 1000) }

func TestSnapshotRecover3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 1, nservers: 5, crash: true, maxraftstate: 1000})
}

func TestSnapshotRecoverManyClients3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 20, nservers: 5, crash: true, maxraftstate: 1000})
}

func TestSnapshotUnreliable3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, maxraftstate: 1000})
}

func TestSnapshotUnreliableRecover3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, maxraftstate: 1000})
}

func TestSnapshotUnreliableRecoverConcurrentPartition3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, partitions: true, maxraftstate: 1000})
}

func TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B(t *testing.T) {
	genericTest(t, "3B", genericOpts{nclients: 15, nservers: 7, unreliable: true, crash: true, partitions: true, maxraftstate: 1000, randomKeys: true})
}
