package kvraft

import (
	"strconv"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The 3A and 3B suites, with the names and limits of the 6.824 (2022) lab.
// Every test records the clients' operations and checks the history for
// linearizability with porcupine when it ends.

func TestBasic3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, maxraftstate: -1})
	})
}

func TestSpeed3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { speedTest(t, "3A", -1) })
}

func TestConcurrent3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, maxraftstate: -1})
	})
}

func TestUnreliable3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, maxraftstate: -1})
	})
}

// TestUnreliableOneKey3A has several clients append to one key at once over
// an unreliable network: every append must appear exactly once, and each
// client's appends in its own order.
func TestUnreliableOneKey3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			nservers = 3
			nclients = 5
			upto     = 10
		)
		cfg := makeConfig(t, nservers, true, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3A): concurrent append to same key, unreliable")

		cfg.Put(ck, nclients, "k", "")
		done := make(chan struct{}, nclients)
		for cli := 0; cli < nclients; cli++ {
			go func() {
				myck := cfg.makeClient(cfg.All())
				defer cfg.deleteClient(myck)
				for n := 0; n < upto; n++ {
					cfg.Append(myck, cli, "k", appendValue(cli, n))
				}
				done <- struct{}{}
			}()
		}
		for cli := 0; cli < nclients; cli++ {
			<-done
		}
		v := cfg.Get(ck, nclients, "k")
		if err := cfg.hist.checkAppendOrder(v); err != nil {
			t.Fatal(err)
		}
		cfg.hist.skip = "concurrent appends to one key are checked by checkAppendOrder"
		for cli := 0; cli < nclients; cli++ {
			if err := checkClientAppends(cli, v, upto); err != nil {
				t.Fatal(err)
			}
		}
		if want := nclients * upto * len(appendValue(0, 0)); len(v) != want {
			t.Fatalf("value of %d bytes, want %d (extra data): %q", len(v), want, abbrev(v))
		}
		cfg.end()
	})
}

// TestOnePartition3A: a majority partition makes progress, a minority
// (holding the old leader) does not, and the minority's requests complete
// once the partition heals.
func TestOnePartition3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const nservers = 5
		cfg := makeConfig(t, nservers, false, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.Put(ck, 0, "1", "13")

		cfg.begin("Test (3A): progress in majority")
		p1, p2 := cfg.makePartition()
		cfg.partition(p1, p2)
		ckp1 := cfg.makeClient(p1)  // connect ckp1 to p1
		ckp2a := cfg.makeClient(p2) // connect ckp2a to p2
		ckp2b := cfg.makeClient(p2) // connect ckp2b to p2
		cfg.Put(ckp1, 1, "1", "14")
		cfg.check(ckp1, 1, "1", "14")
		cfg.end()

		cfg.begin("Test (3A): no progress in minority")
		done0 := make(chan struct{}, 1)
		done1 := make(chan struct{}, 1)
		go func() {
			cfg.Put(ckp2a, 2, "1", "15")
			done0 <- struct{}{}
		}()
		go func() {
			cfg.Get(ckp2b, 3, "1") // different clerk in p2
			done1 <- struct{}{}
		}()
		select {
		case <-done0:
			t.Fatal("Put in minority completed")
		case <-done1:
			t.Fatal("Get in minority completed")
		case <-time.After(electionTimeout):
		}
		cfg.check(ckp1, 1, "1", "14")
		cfg.Put(ckp1, 1, "1", "16")
		cfg.check(ckp1, 1, "1", "16")
		cfg.end()

		cfg.begin("Test (3A): completion after heal")
		cfg.ConnectAll()
		cfg.ConnectClient(ckp2a, cfg.All())
		cfg.ConnectClient(ckp2b, cfg.All())
		time.Sleep(electionTimeout)
		select {
		case <-done0:
		case <-time.After(30 * 100 * time.Millisecond):
			t.Fatal("Put did not complete")
		}
		select {
		case <-done1:
		case <-time.After(30 * 100 * time.Millisecond):
			t.Fatal("Get did not complete")
		}
		cfg.check(ck, 0, "1", "15")
		cfg.end()
	})
}

func TestManyPartitionsOneClient3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, partitions: true, maxraftstate: -1})
	})
}

func TestManyPartitionsManyClients3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, partitions: true, maxraftstate: -1})
	})
}

func TestPersistOneClient3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, crash: true, maxraftstate: -1})
	})
}

func TestPersistConcurrent3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, crash: true, maxraftstate: -1})
	})
}

func TestPersistConcurrentUnreliable3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, maxraftstate: -1})
	})
}

func TestPersistPartition3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, crash: true, partitions: true, maxraftstate: -1})
	})
}

func TestPersistPartitionUnreliable3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, partitions: true, maxraftstate: -1})
	})
}

func TestPersistPartitionUnreliableLinearizable3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3A", genericOpts{nclients: 15, nservers: 7, unreliable: true, crash: true, partitions: true, maxraftstate: -1, randomKeys: true})
	})
}

// TestSnapshotRPC3B: a server cut off while the others trim their logs
// must catch up through InstallSnapshot, and then serve from the installed
// state as leader. (The 6.824 test does 50 Puts; here a Raft entry is small
// enough that 50 fit in 8*maxraftstate untrimmed, so the test does 200 to
// be able to fail without snapshots, and adds the last phase, in which the
// server that installed the snapshot must lead.)
func TestSnapshotRPC3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			nservers     = 3
			maxraftstate = 1000
			nputs        = 200
		)
		cfg := makeConfig(t, nservers, false, maxraftstate)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3B): InstallSnapshot RPC")

		cfg.Put(ck, 0, "a", "A")
		cfg.check(ck, 0, "a", "A")

		// A bunch of puts into the majority partition.
		cfg.partition([]int{0, 1}, []int{2})
		ck1 := cfg.makeClient([]int{0, 1})
		for i := 0; i < nputs; i++ {
			cfg.Put(ck1, 1, strconv.Itoa(i), strconv.Itoa(i))
		}
		time.Sleep(electionTimeout)
		cfg.Put(ck1, 1, "b", "B")

		// The majority must have thrown away most of its log.
		if sz := cfg.LogSize(); sz > 8*maxraftstate {
			t.Fatalf("logs were not trimmed (%d > 8*%d)", sz, maxraftstate)
		}

		// A group that needs the lagging server, which must catch up.
		cfg.partition([]int{0, 2}, []int{1})
		ck2 := cfg.makeClient([]int{0, 2})
		cfg.Put(ck2, 2, "c", "C")
		cfg.Put(ck2, 2, "d", "D")
		cfg.check(ck2, 2, "a", "A")
		cfg.check(ck2, 2, "b", "B")
		cfg.check(ck2, 2, "1", "1")
		cfg.check(ck2, 2, "49", "49")

		// Server 1 lacks c and d, so with {1, 2} server 2 must be elected
		// and answer from the state it got by InstallSnapshot.
		cfg.partition([]int{1, 2}, []int{0})
		ck3 := cfg.makeClient([]int{1, 2})
		cfg.check(ck3, 3, "a", "A")
		cfg.check(ck3, 3, "d", "D")
		cfg.check(ck3, 3, strconv.Itoa(nputs-1), strconv.Itoa(nputs-1))

		// Now everybody.
		cfg.partition([]int{0, 1, 2}, nil)
		cfg.Put(ck, 0, "e", "E")
		cfg.check(ck, 0, "c", "C")
		cfg.check(ck, 0, "e", "E")
		cfg.check(ck, 0, "1", "1")
		cfg.end()
	})
}

// TestSnapshotSize3B: snapshots keep the Raft state bounded and are
// themselves small when the data is small.
func TestSnapshotSize3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			nservers         = 3
			maxraftstate     = 1000
			maxsnapshotstate = 500
		)
		cfg := makeConfig(t, nservers, false, maxraftstate)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3B): snapshot size is reasonable")
		for i := 0; i < 200; i++ {
			cfg.Put(ck, 0, "x", "0")
			cfg.check(ck, 0, "x", "0")
			cfg.Put(ck, 0, "x", "1")
			cfg.check(ck, 0, "x", "1")
		}
		if sz := cfg.LogSize(); sz > 8*maxraftstate {
			t.Fatalf("logs were not trimmed (%d > 8*%d)", sz, maxraftstate)
		}
		if ssz := cfg.SnapshotSize(); ssz > maxsnapshotstate {
			t.Fatalf("snapshot too large (%d > %d)", ssz, maxsnapshotstate)
		}
		cfg.end()
	})
}

func TestSpeed3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { speedTest(t, "3B", 1000) })
}

func TestSnapshotRecover3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 1, nservers: 5, crash: true, maxraftstate: 1000})
	})
}

func TestSnapshotRecoverManyClients3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 20, nservers: 5, crash: true, maxraftstate: 1000})
	})
}

func TestSnapshotUnreliable3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, maxraftstate: 1000})
	})
}

func TestSnapshotUnreliableRecover3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, maxraftstate: 1000})
	})
}

func TestSnapshotUnreliableRecoverConcurrentPartition3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, partitions: true, maxraftstate: 1000})
	})
}

func TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		genericTest(t, "3B", genericOpts{nclients: 15, nservers: 7, unreliable: true, crash: true, partitions: true, maxraftstate: 1000, randomKeys: true})
	})
}
