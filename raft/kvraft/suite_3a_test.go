package kvraft

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// The 3A suite, with the names and limits of the 6.824 (2022) lab (3B:
// suite_3b_test.go).
// Every test records the clients' operations and checks the history for
// linearizability with porcupine when it ends.

func TestBasic3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, maxraftstate: -1})
}

func TestSpeed3A(t *testing.T) { speedTest(t, "3A", -1) }

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
		ck := cfg.makeClient(cfg.g.All())
		cfg.begin("Test (3A): Kill stops every goroutine")
		for i := 0; i < 5; i++ {
			cfg.h.Append(ck, 0, "k", strconv.Itoa(i))
		}
		cfg.h.Expect(ck, 0, "k", "01234")
		// A service that starts no goroutines leaks none: require that the
		// operations really went through Raft, which persists its log.
		if cfg.logSize() == 0 {
			t.Fatalf("no server persisted any Raft state: the operations never went through Raft")
		}
		cfg.end()
	})
}

func TestConcurrent3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, maxraftstate: -1})
}

func TestUnreliable3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, maxraftstate: -1})
}

// TestUnreliableOneKey3A points several writers at one key over a lossy
// network. Retransmissions must never apply an append twice, and each
// writer's appends must show up in the order that writer issued them.
func TestUnreliableOneKey3A(t *testing.T) {
	const (
		nservers  = 3
		writers   = 5
		perWriter = 10
	)
	cluster(t, nservers, true, -1, "Test (3A): concurrent append to same key, unreliable", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())

		reader := writers // history id of ck, distinct from every writer's
		cfg.h.Put(ck, reader, "k", "")
		var writing sync.WaitGroup
		for w := range writers {
			writing.Add(1)
			go func() {
				defer writing.Done()
				wck := cfg.makeClient(cfg.g.All())
				defer cfg.deleteClient(wck)
				for n := range perWriter {
					cfg.h.Append(wck, w, "k", kvtest.AppendValue(w, n))
				}
			}()
		}
		writing.Wait()

		final := cfg.h.Get(ck, reader, "k")
		if err := cfg.h.CheckAppends("k", final); err != nil {
			t.Fatal(err)
		}
		cfg.h.Skip("concurrent appends to one key are checked by CheckAppends")
		for w := range writers {
			if err := kvtest.CheckClientAppends(w, final, perWriter); err != nil {
				t.Fatal(err)
			}
		}
		// Every value has the same length here, so any surplus byte is an
		// append nobody acknowledged.
		if want := writers * perWriter * len(kvtest.AppendValue(0, 0)); len(final) != want {
			t.Fatalf("key holds %d bytes, but the acknowledged appends add up to %d: %q", len(final), want, kvtest.Abbrev(final))
		}
	})
}

// healGrace is how long, after a partition heals and a new election has had
// time to finish, a request stuck on the minority side may take to complete.
const healGrace = 3 * time.Second

// TestOnePartition3A cuts five servers into a majority and a minority that
// holds the leader. The majority must keep serving. Requests sent into the
// minority must block, since answering them could lose a write or return a
// stale value, and must complete once the network is whole again.
func TestOnePartition3A(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const nservers = 5
		cfg := makeConfig(t, nservers, false, -1)
		defer cfg.cleanup()
		ck := cfg.makeClient(cfg.g.All())
		cfg.h.Put(ck, 0, "1", "13")

		cfg.begin("Test (3A): progress in majority")
		major, minor := cfg.makePartition()
		cfg.g.Partition(major, minor)
		viaMajor := cfg.makeClient(major)
		minorWriter := cfg.makeClient(minor)
		minorReader := cfg.makeClient(minor)
		cfg.h.Put(viaMajor, 1, "1", "14")
		cfg.h.Expect(viaMajor, 1, "1", "14")
		cfg.end()

		cfg.begin("Test (3A): no progress in minority")
		wrote := kvtest.Async(func() { cfg.h.Put(minorWriter, 2, "1", "15") })
		read := kvtest.Async(func() { cfg.h.Get(minorReader, 3, "1") })
		select {
		case <-wrote:
			t.Fatal("a Put sent only to the minority returned while the partition lasted")
		case <-read:
			t.Fatal("a Get sent only to the minority returned while the partition lasted")
		case <-time.After(electionTimeout):
		}
		cfg.h.Expect(viaMajor, 1, "1", "14")
		cfg.h.Put(viaMajor, 1, "1", "16")
		cfg.h.Expect(viaMajor, 1, "1", "16")
		cfg.end()

		cfg.begin("Test (3A): completion after heal")
		cfg.g.ConnectAll()
		cfg.connectClient(minorWriter, cfg.g.All())
		cfg.connectClient(minorReader, cfg.g.All())
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
		cfg.h.Expect(ck, 0, "1", "15")
		cfg.end()
	})
}

func TestManyPartitionsOneClient3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, partitions: true, maxraftstate: -1})
}

func TestManyPartitionsManyClients3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, partitions: true, maxraftstate: -1})
}

func TestPersistOneClient3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 1, nservers: 5, crash: true, maxraftstate: -1})
}

func TestPersistConcurrent3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, crash: true, maxraftstate: -1})
}

func TestPersistConcurrentUnreliable3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, maxraftstate: -1})
}

func TestPersistPartition3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, crash: true, partitions: true, maxraftstate: -1})
}

func TestPersistPartitionUnreliable3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 5, nservers: 5, unreliable: true, crash: true, partitions: true, maxraftstate: -1})
}

func TestPersistPartitionUnreliableLinearizable3A(t *testing.T) {
	genericTest(t, "3A", genericOpts{nclients: 15, nservers: 7, unreliable: true, crash: true, partitions: true, maxraftstate: -1, randomKeys: true})
}
