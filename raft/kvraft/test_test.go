package kvraft

import (
	"strconv"
	"sync"
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

// TestKillStopsGoroutines3A grades the rule "Kill stops every goroutine"
// for the service, once (see README, "Porting existing student code"):
// elsewhere a leftover goroutine is only a warning. After a few operations
// every server is killed; each goroutine StartKVServer started (and the
// Raft under it) must have returned within 5 s of virtual time. Typical
// cause of a failure: the loop reading applyCh, or a request waiting for
// its index to apply, that nothing wakes after Kill. The operations must
// also have gone through Raft (persisted Raft state), so a service that
// starts no goroutines cannot pass by leaking none.
func TestKillStopsGoroutines3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.StrictLeaks()
		cfg := makeConfig(t, 3, false, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3A): Kill stops every goroutine")
		for i := 0; i < 5; i++ {
			cfg.Append(ck, 0, "k", strconv.Itoa(i))
		}
		cfg.check(ck, 0, "k", "01234")
		// A service that starts no goroutines leaks none: require that the
		// operations really went through Raft, which persists its log.
		if cfg.LogSize() == 0 {
			t.Fatalf("no server persisted any Raft state: the operations never went through Raft")
		}
		cfg.end()
	})
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

// TestUnreliableOneKey3A points several writers at one key over a lossy
// network. Retransmissions must never apply an append twice, and each
// writer's appends must show up in the order that writer issued them.
func TestUnreliableOneKey3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			nservers  = 3
			writers   = 5
			perWriter = 10
		)
		cfg := makeConfig(t, nservers, true, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3A): concurrent append to same key, unreliable")

		reader := writers // history id of ck, distinct from every writer's
		cfg.Put(ck, reader, "k", "")
		var writing sync.WaitGroup
		for w := range writers {
			writing.Add(1)
			go func() {
				defer writing.Done()
				wck := cfg.makeClient(cfg.All())
				defer cfg.deleteClient(wck)
				for n := range perWriter {
					cfg.Append(wck, w, "k", appendValue(w, n))
				}
			}()
		}
		writing.Wait()

		final := cfg.Get(ck, reader, "k")
		if err := cfg.hist.checkAppendOrder(final); err != nil {
			t.Fatal(err)
		}
		cfg.hist.skip = "concurrent appends to one key are checked by checkAppendOrder"
		for w := range writers {
			if err := checkClientAppends(w, final, perWriter); err != nil {
				t.Fatal(err)
			}
		}
		// Every value has the same length here, so any surplus byte is an
		// append nobody acknowledged.
		if want := writers * perWriter * len(appendValue(0, 0)); len(final) != want {
			t.Fatalf("key holds %d bytes, but the acknowledged appends add up to %d: %q", len(final), want, abbrev(final))
		}
		cfg.end()
	})
}

// healGrace is how long, after a partition heals and a new election has had
// time to finish, a request stuck on the minority side may take to complete.
const healGrace = 3 * time.Second

// async runs f on a goroutine of its own and returns a channel that is
// closed when f returns.
func async(f func()) <-chan struct{} {
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		f()
	}()
	return finished
}

// TestOnePartition3A cuts five servers into a majority and a minority that
// holds the leader. The majority must keep serving. Requests sent into the
// minority must block, since answering them could lose a write or return a
// stale value, and must complete once the network is whole again.
func TestOnePartition3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const nservers = 5
		cfg := makeConfig(t, nservers, false, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.Put(ck, 0, "1", "13")

		cfg.begin("Test (3A): progress in majority")
		major, minor := cfg.makePartition()
		cfg.partition(major, minor)
		viaMajor := cfg.makeClient(major)
		minorWriter := cfg.makeClient(minor)
		minorReader := cfg.makeClient(minor)
		cfg.Put(viaMajor, 1, "1", "14")
		cfg.check(viaMajor, 1, "1", "14")
		cfg.end()

		cfg.begin("Test (3A): no progress in minority")
		wrote := async(func() { cfg.Put(minorWriter, 2, "1", "15") })
		read := async(func() { cfg.Get(minorReader, 3, "1") })
		select {
		case <-wrote:
			t.Fatal("a Put sent only to the minority returned while the partition lasted")
		case <-read:
			t.Fatal("a Get sent only to the minority returned while the partition lasted")
		case <-time.After(electionTimeout):
		}
		cfg.check(viaMajor, 1, "1", "14")
		cfg.Put(viaMajor, 1, "1", "16")
		cfg.check(viaMajor, 1, "1", "16")
		cfg.end()

		cfg.begin("Test (3A): completion after heal")
		cfg.ConnectAll()
		cfg.ConnectClient(minorWriter, cfg.All())
		cfg.ConnectClient(minorReader, cfg.All())
		time.Sleep(electionTimeout)
		pending := []struct {
			op       string
			finished <-chan struct{}
		}{{"Put", wrote}, {"Get", read}}
		for _, p := range pending {
			select {
			case <-p.finished:
			case <-time.After(healGrace):
				t.Fatalf("the minority's %s was still blocked %v after the partition healed", p.op, electionTimeout+healGrace)
			}
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

// TestSnapshotRPC3B isolates server 2 while servers 0 and 1 commit enough
// to compact their logs, so server 2 can only catch up by InstallSnapshot;
// then it has to serve, as leader, from the state it installed.
//
// Differences from the 6.824 version of this test: a Raft entry is small
// here, and 50 Puts would fit in 8*maxraftstate with no compaction at all,
// so the isolated phase does 200 to make a missing snapshot fail the test.
// The last partition, in which server 2 must lead, is an addition.
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

		// Stage 1: server 2 is cut off while {0, 1} commit far more than
		// fits in maxraftstate.
		cfg.partition([]int{0, 1}, []int{2})
		pair := cfg.makeClient([]int{0, 1})
		for i := range nputs {
			cfg.Put(pair, 1, strconv.Itoa(i), strconv.Itoa(i))
		}
		time.Sleep(electionTimeout)
		cfg.Put(pair, 1, "b", "B")
		checkRaftStateBound(t, cfg, maxraftstate, "while server 2 was cut off")

		// Stage 2: {0, 2} can only commit once server 2 has caught up, and
		// the entries it lacks are gone from server 0's log.
		cfg.partition([]int{0, 2}, []int{1})
		viaTwo := cfg.makeClient([]int{0, 2})
		cfg.Put(viaTwo, 2, "c", "C")
		cfg.Put(viaTwo, 2, "d", "D")
		for _, want := range [][2]string{{"a", "A"}, {"b", "B"}, {"1", "1"}, {"49", "49"}} {
			cfg.check(viaTwo, 2, want[0], want[1])
		}

		// Stage 3: {1, 2}. Server 1 has neither c nor d, so only server 2
		// can win the election, and it answers from the snapshot it got.
		cfg.partition([]int{1, 2}, []int{0})
		newLeader := cfg.makeClient([]int{1, 2})
		last := strconv.Itoa(nputs - 1)
		for _, want := range [][2]string{{"a", "A"}, {"d", "D"}, {last, last}} {
			cfg.check(newLeader, 3, want[0], want[1])
		}

		// Stage 4: all three together again.
		cfg.partition([]int{0, 1, 2}, nil)
		cfg.Put(ck, 0, "e", "E")
		for _, want := range [][2]string{{"c", "C"}, {"e", "E"}, {"1", "1"}} {
			cfg.check(ck, 0, want[0], want[1])
		}
		cfg.end()
	})
}

// TestSnapshotSize3B: with snapshots on, the Raft state stays bounded, and a
// snapshot of a store holding one short key is itself small.
func TestSnapshotSize3B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			nservers     = 3
			maxraftstate = 1000
			maxSnapshot  = 500
			writes       = 400
		)
		cfg := makeConfig(t, nservers, false, maxraftstate)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.All())
		cfg.begin("Test (3B): snapshot size is reasonable")
		for i := range writes {
			v := strconv.Itoa(i % 2) // "0", "1", "0", ...: the store stays tiny
			cfg.Put(ck, 0, "x", v)
			cfg.check(ck, 0, "x", v)
		}
		checkRaftStateBound(t, cfg, maxraftstate, "")
		if got := cfg.SnapshotSize(); got > maxSnapshot {
			t.Fatalf("a snapshot takes %d bytes, over the %d allowed for a store holding one short key", got, maxSnapshot)
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
