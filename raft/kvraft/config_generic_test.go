package kvraft

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// electionTimeout is the harness's notion of how long an election may take
// (the 6.824 constant): the tests wait this long after healing or restarting.
const electionTimeout = 1 * time.Second

// Shape of the generic test's workload.
const (
	// genericIterations, the rounds of clients + faults + checks, is in
	// config_norace_test.go and config_race_test.go.
	genericRunTime = 5 * time.Second // how long the clients run per round
	// Clients pause between operations for a random whole number of
	// thinkQuantum, thinkPerClient*nclients on average. A pause is needed
	// under virtual time: on a reliable network an operation can complete
	// without the clock moving, and clients that never block would keep a
	// round from ever ending. Whole quanta make clients wake at the same
	// virtual instant, so their operations really overlap. Scaling with the
	// number of clients keeps a test at about 170 operations per round (the
	// 6.824 suite's load), which matters because without snapshots each
	// Raft persist re-encodes the whole log.
	thinkQuantum   = 5 * time.Millisecond
	thinkPerClient = 30 * time.Millisecond
)

// genericOpts selects the faults of a generic test.
type genericOpts struct {
	nclients     int
	nservers     int
	unreliable   bool // drop and delay RPCs
	crash        bool // crash and restart every server at the end of each round
	partitions   bool // repartition the servers at random while the clients run
	maxraftstate int  // -1: no snapshots
	randomKeys   bool // clients pick keys at random (only the linearizability check applies)
}

// title is the progress line of a generic test: the faults in play, then
// how many clients, in the words 6.824 students know from their own runs.
func (o genericOpts) title(part string) string {
	var words []string
	for _, f := range []struct {
		on   bool
		word string
	}{
		{o.unreliable, "unreliable net"},
		{o.crash, "restarts"},
		{o.partitions, "partitions"},
		{o.maxraftstate != -1, "snapshots"},
		{o.randomKeys, "random keys"},
	} {
		if f.on {
			words = append(words, f.word)
		}
	}
	if o.nclients > 1 {
		words = append(words, "many clients")
	} else {
		words = append(words, "one client")
	}
	return fmt.Sprintf("Test (%s): %s", part, strings.Join(words, ", "))
}

// genericTest runs rounds of concurrent clients against a cluster while
// injecting the faults o selects. Each client Appends unique values to its
// own key (or to random keys) and checks every Get against what it wrote;
// after each round the test heals and/or restarts the cluster and checks
// that every acknowledged Append is present exactly once, in order, and that
// the Raft state stays bounded when snapshots are on. The whole history is
// then checked for linearizability.
func genericTest(t *testing.T, part string, o genericOpts) {
	labtest.Run(t, func(t *labtest.T) { runGeneric(t, part, o) })
}

// runGeneric is genericTest's body.
func runGeneric(t *labtest.T, part string, o genericOpts) {
	cfg := makeConfig(t, o.nservers, o.unreliable, o.maxraftstate)
	defer cfg.cleanup()
	cfg.begin(o.title(part))

	ck := cfg.makeClient(cfg.g.All())
	checker := o.nclients // porcupine client id of the checking clerk
	for round := 0; round < genericIterations; round++ {
		var stopClients, stopPartitioner atomic.Bool
		counts := make([]int, o.nclients)
		var clients sync.WaitGroup
		for cli := 0; cli < o.nclients; cli++ {
			clients.Add(1)
			go func() {
				defer clients.Done()
				counts[cli] = runClient(cfg, o, round, cli, &stopClients)
			}()
		}
		var partitioner sync.WaitGroup
		if o.partitions {
			// Let the clients get going before the first partition.
			time.Sleep(1 * time.Second)
			partitioner.Add(1)
			go func() {
				defer partitioner.Done()
				runPartitioner(cfg, round, &stopPartitioner)
			}()
		}
		time.Sleep(genericRunTime)
		stopClients.Store(true)
		stopPartitioner.Store(true)
		if o.partitions {
			partitioner.Wait()
			cfg.g.ConnectAll()
			// Give the cluster time to elect a leader and commit.
			time.Sleep(electionTimeout)
		}
		if o.crash {
			for i := 0; i < o.nservers; i++ {
				cfg.g.Crash(i)
			}
			// Let clients' requests to the dead servers fail.
			time.Sleep(electionTimeout)
			for i := 0; i < o.nservers; i++ {
				cfg.g.Start(i)
			}
			cfg.g.ConnectAll()
		}
		clients.Wait()
		if t.Failed() {
			return
		}
		if !o.randomKeys {
			for cli := 0; cli < o.nclients; cli++ {
				v := cfg.h.Get(ck, checker, strconv.Itoa(cli))
				if err := kvtest.CheckClientAppends(cli, v, counts[cli]); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
			}
		}
		if o.maxraftstate > 0 {
			checkRaftStateBound(t, cfg, o.maxraftstate, fmt.Sprintf("after round %d", round))
		}
		if o.maxraftstate < 0 {
			if ssz := cfg.snapshotSize(); ssz > 0 {
				t.Fatalf("round %d: a server saved a %d-byte snapshot, but maxraftstate is -1 (snapshots off)", round, ssz)
			}
		}
	}
	cfg.end()
}

// runClient is one client of a generic-test round: it issues random Appends
// and Gets until stop, checking each Get of its own key against the appends
// it made, and returns how many appends it completed.
func runClient(cfg *config, o genericOpts, round, cli int, stop *atomic.Bool) int {
	ck := cfg.makeClient(cfg.g.All())
	defer cfg.deleteClient(ck)
	r := kvtest.ClientRand(cfg.t.Seed, round*1000+cli)
	key := strconv.Itoa(cli)
	last := "" // this client's key's value, if the key is its own
	if !o.randomKeys {
		cfg.h.Put(ck, cli, key, last)
	}
	appends := 0
	for !stop.Load() {
		if o.randomKeys {
			key = strconv.Itoa(r.IntN(o.nclients))
		}
		switch n := r.IntN(1000); {
		case n < 500:
			nv := kvtest.AppendValue(cli, appends)
			cfg.h.Append(ck, cli, key, nv)
			last += nv
			appends++
		case o.randomKeys && n < 600:
			cfg.h.Put(ck, cli, key, kvtest.AppendValue(cli, appends))
			appends++
		default:
			v := cfg.h.Get(ck, cli, key)
			if !o.randomKeys && v != last && !cfg.h.Stopped() {
				cfg.t.Errorf("client %d: Get(%q) = %q, want %q", cli, key, kvtest.Abbrev(v), kvtest.Abbrev(last))
				return appends
			}
		}
		slots := int(2*thinkPerClient/thinkQuantum) * o.nclients
		time.Sleep(time.Duration(r.IntN(slots+1)) * thinkQuantum)
	}
	return appends
}

// runPartitioner repartitions the servers at random, about once per
// election timeout, until stop.
func runPartitioner(cfg *config, round int, stop *atomic.Bool) {
	r := kvtest.ClientRand(cfg.t.Seed, 1000000+round)
	for !stop.Load() {
		var groups [2][]int
		for i := 0; i < cfg.n; i++ {
			g := r.IntN(2)
			groups[g] = append(groups[g], i)
		}
		cfg.g.Partition(groups[0], groups[1])
		time.Sleep(electionTimeout + time.Duration(r.IntN(200))*time.Millisecond)
	}
}

// speedTest measures how quickly one client's requests complete: 1000
// Appends in a row must average at most 33.3 ms (a third of a typical
// heartbeat interval), i.e. the service must not wait for heartbeats to
// commit. Reports ms/op on the test's clock (virtual, or real with
// -realtime). With snapshots on (maxraftstate > 0, 3B) the Raft state must
// also stay within checkRaftStateBound, as in the other 3B tests.
func speedTest(t *testing.T, part string, maxraftstate int) {
	const (
		nservers = 3
		numOps   = speedOps
		bound    = 33333 * time.Microsecond
		maxPhase = 150 * time.Millisecond
	)
	cluster(t, nservers, false, maxraftstate, fmt.Sprintf("Test (%s): ops complete fast enough", part), func(t *labtest.T, cfg *config) {
		ck := cfg.makeClient(cfg.g.All())

		// Wait until the service works, so election time is not counted.
		cfg.h.Get(ck, 0, "x")

		// Only the operations are timed. In virtual time every timer of
		// the cluster fires on an exact schedule, so back-to-back
		// operations can line up with a server's periodic work (a poll of
		// the apply channel, a heartbeat) in the same phase every time,
		// and measure the worst case of that period instead of its
		// average, which the real clock's jitter gives: a poll-based 2022
		// solution took 150 ms/op in virtual time and 76 ms/op on the real
		// clock. A random pause before each operation, longer than the
		// usual periods (heartbeats of at most 150 ms), starts each one at
		// a random phase, as on the real clock.
		var dur time.Duration
		for i := 0; i < numOps; i++ {
			if !labtest.Realtime() {
				time.Sleep(time.Duration(t.Rand.Int64N(int64(maxPhase))))
			}
			start := time.Now()
			cfg.h.Append(ck, 0, "x", kvtest.AppendValue(0, i))
			dur += time.Since(start)
		}

		v := cfg.h.Get(ck, 0, "x")
		if err := kvtest.CheckClientAppends(0, v, numOps); err != nil {
			t.Fatal(err)
		}
		perOp := dur / numOps
		clock := "virtual"
		if labtest.Realtime() {
			clock = "real"
		}
		t.Logf("%s: %.3f ms/op (%s time; bound %.1f ms/op)", t.Name(), float64(perOp)/float64(time.Millisecond), clock, float64(bound)/float64(time.Millisecond))
		if perOp > bound {
			t.Fatalf("one client's operations took %v each on average; the limit is %v", perOp, bound)
		}
		if maxraftstate > 0 {
			// With snapshots on (3B), fast must not mean uncompacted.
			checkRaftStateBound(t, cfg, maxraftstate, "after the appends")
		}
	})
}

// checkRaftStateBound fails the test if some server's persisted Raft state
// has grown past 8*maxraftstate, the bound the suite allows. The factor is
// slack, not a target: snapshots are taken after the fact, and entries keep
// arriving while one is in progress. when, if not empty, says at which
// point of the test the check failed.
func checkRaftStateBound(t *labtest.T, cfg *config, maxraftstate int, when string) {
	t.Helper()
	limit := 8 * maxraftstate
	if size := cfg.logSize(); size > limit {
		if when != "" {
			when = " " + when
		}
		t.Fatalf("Raft state reached %d bytes%s, over the %d allowed (8 x maxraftstate): the log is not being compacted", size, when, limit)
	}
}
