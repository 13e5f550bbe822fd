// Package labtest is the harness every distlabs test runs through.
//
//	func TestInitialElection2A(t *testing.T) {
//		labtest.Run(t, func(t *labtest.T) {
//			t.Begin("Test (2A): initial election")
//			... build a cluster on labrpc.MakeNetwork(), check it ...
//			t.Passed(servers, rpcs, bytes, cmds)
//		})
//	}
//
// Run gives the body:
//
//   - virtual time: the body runs in a testing/synctest bubble, so
//     time.Sleep, timers and deadlines advance only when every goroutine of
//     the test is blocked, and minutes of simulated cluster life take
//     milliseconds (-realtime runs the same body on the real clock);
//   - one seed for every random choice: -seed N (or DISTLABS_SEED) fixes it,
//     otherwise each test draws a fresh one. The seed drives labrpc's fault
//     schedule (MakeNetwork is seeded) and T.Rand. A failing test prints
//     the one command that replays it;
//   - 6.824-style progress lines (Begin/Passed), with virtual time and real
//     CPU time, because virtual time hides CPU cost;
//   - a wall-clock watchdog (-watchdog; 60s, or 10m on the real clock): a
//     bubble with a goroutine spinning or stalled on a mutex never advances
//     virtual time, so after the limit the harness says which of the two it
//     sees, dumps every goroutine and fails the run;
//   - a leak check: goroutines the body started should have exited shortly
//     (in virtual time) after it returns and its t.Cleanup functions ran.
//     Kill and Cleanup what you start. What a leftover does depends on
//     DISTLABS_LEAKS (leaks.go): "warn", the default, keeps the test's
//     verdict and prints a warning with the leftovers' stacks and a fix
//     hint, as the original course suites tolerate helpers parked after
//     Kill; "strict" (make test, CI) fails the test. T.StrictLeaks makes one
//     test strict whatever the mode; T.Background starts a harness helper
//     the check does not count. Leftovers parked on a channel, a
//     sync.Cond or a sleep stay parked for good once the bubble ends, so the
//     next test runs normally; a goroutine that spins or waits on a mutex
//     stops virtual time and ends in the watchdog. Goroutines labrpc runs
//     handlers on belong to the code under test and show as "created by
//     labrpc.(*Network).call". The check sees goroutines, not timers: a
//     time.AfterFunc that keeps re-arming itself is not caught. It runs
//     in a bubble; on the real clock (-realtime) only a test that calls
//     T.StrictLeaks is checked, by the goroutines started during it, which
//     must be gone within the same grace of real time.
//
// Under the grader, each test also reports its outcome on the verdict
// channel (verdict.go), which text printed by the code under test cannot
// forge.
//
// The body must not call t.Parallel or t.Run (synctest forbids both);
// top-level tests that call t.Parallel before Run are run one at a time,
// because the labrpc default seed is per process.
package labtest

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"distlabs/labrpc"
)

// Environment variables for tools that cannot pass flags to every test
// binary (the flags win).
const (
	// SeedEnv sets the seed, like -seed.
	SeedEnv = "DISTLABS_SEED"
	// WatchdogEnv sets the watchdog limit, like -watchdog (e.g. "5m" for a
	// slow -race run on a busy machine).
	WatchdogEnv = "DISTLABS_WATCHDOG"
)

var (
	seedFlag     = flag.String("seed", "", "seed for every random choice of each test (default: fresh per test; env "+SeedEnv+")")
	realtimeFlag = flag.Bool("realtime", false, "run tests on the real clock instead of in a synctest bubble")
	watchdogFlag = flag.Duration("watchdog", 0, "real-time limit per test before dumping goroutines and failing (default 60s, or 10m with -realtime; env "+WatchdogEnv+")")
)

const (
	// leakGrace is the virtual time goroutines get to exit after the body.
	leakGrace = 5 * time.Second
	// Default watchdog limits: a virtual-time test that needs a minute of
	// real time is stuck; a real-clock test may legitimately take minutes.
	virtualWatchdog  = 60 * time.Second
	realtimeWatchdog = 10 * time.Minute
)

// T is the body's view of a test: the testing.T of the bubble plus the
// test's seed and a seeded random source.
type T struct {
	*testing.T
	// Seed is the seed of this run of the test.
	Seed int64
	// Rand is seeded from Seed and safe for concurrent use. Draws from
	// several goroutines interleave as the scheduler decides, so for
	// reproducible choices draw from one goroutine.
	Rand *rand.Rand

	mu       sync.Mutex
	begin    time.Time
	cpuBegin time.Duration
	state    *runState
}

// Realtime reports whether -realtime was given.
func Realtime() bool { return *realtimeFlag }

// Run runs body as the test t: in a synctest bubble unless -realtime, with
// the seed, watchdog and leak check described in the package comment.
func Run(t *testing.T, body func(t *T)) {
	run(t, !*realtimeFlag, body)
}

// RunRealtime is Run on the real clock whatever the flags say, for tests
// that use real sockets or processes (which a bubble cannot wait for).
func RunRealtime(t *testing.T, body func(t *T)) {
	run(t, false, body)
}

// runMu serializes Run: SetDefaultSeed is process-wide, so two tests at
// once would draw each other's network seeds.
var runMu sync.Mutex

// runState is what the harness learns about one run of a test.
type runState struct {
	mu     sync.Mutex
	strict bool // T.StrictLeaks was called
	// realtime: the body runs on the real clock, where only StrictLeaks
	// tests get a leak check (checkRealLeaks).
	realtime bool
	leaked   int // goroutines the leak check found left over
	helpers  int // Background goroutines still there at the leak check
	bubble   []byte
}

func run(t *testing.T, bubble bool, body func(t *T)) {
	t.Helper()
	runMu.Lock()
	defer runMu.Unlock()
	st := &runState{realtime: !bubble}
	// The grader counts a pass only after the test's start line.
	verdicts.start(t.Name())
	// Registered first, so it runs last: after every cleanup and the leak
	// policy, when t.Failed() is final (contract 2 of the grader).
	t.Cleanup(func() { verdicts.write(t.Name(), !t.Failed() && !t.Skipped(), st.verdictReason(t)) })
	seed, err := chooseSeed()
	if err != nil {
		t.Fatal(err)
	}
	mode, err := leakMode()
	if err != nil {
		t.Fatal(err)
	}
	limit := *watchdogFlag
	if limit == 0 && os.Getenv(WatchdogEnv) != "" {
		d, err := time.ParseDuration(os.Getenv(WatchdogEnv))
		if err != nil {
			t.Fatalf("labtest: bad %s: %v", WatchdogEnv, err)
		}
		limit = d
	}
	if limit == 0 {
		limit = virtualWatchdog
		if !bubble {
			limit = realtimeWatchdog
		}
	}
	stop := startWatchdog(t.Name(), seed, limit, bubble, func(reason string) { verdicts.write(t.Name(), false, reason) })
	defer stop()
	defer func() {
		if t.Failed() {
			fmt.Printf("--- replay: %s\n", ReplayCommand(t.Name(), seed))
		}
	}()
	// Set inside the bubble (its clock starts the timeline); written
	// before the replay line is printed.
	var rec *recording
	defer func() {
		if rec != nil {
			rec.finish(t, seed)
		}
	}()

	if !bubble {
		// Registered before the body's cleanups, so it runs after them.
		before := goroutineNums(allStacks())
		t.Cleanup(func() {
			st.mu.Lock()
			strict := st.strict
			st.mu.Unlock()
			if strict {
				st.checkRealLeaks(t, before)
			}
		})
	}
	inner := func(tt *testing.T) {
		if bubble {
			// Registered first, so it runs last: after the body's own
			// cleanups (t.Cleanup(net.Cleanup)) and after t.Context() is
			// cancelled, which are idiomatic ways to stop goroutines.
			tt.Cleanup(func() { st.checkLeaks(tt, mode) })
			st.bubble = bubbleRE.Find(allStacksOfSelf())
		}
		labrpc.SetDefaultSeed(seed)
		rec = startRecording(t.Name())
		body(&T{T: tt, Seed: seed, Rand: newRand(seed), state: st})
	}
	if bubble {
		runBubble(t, inner, st)
	} else {
		inner(t)
	}
}

// runBubble runs inner in a synctest bubble. Goroutines the leak check
// reported may still be parked when the bubble's main goroutine exits, and
// then synctest panics ("main bubble goroutine has exited but blocked
// goroutines remain"). They can never run again (the bubble's clock has
// stopped and nothing outside can wake them), so that panic is recovered:
// the test keeps the verdict the leak policy gave it and later tests run
// normally. A body that blocks forever itself ("all goroutines in bubble
// are blocked") becomes a failure of this test with the stacks.
func runBubble(t *testing.T, inner func(*testing.T), st *runState) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		err, ok := r.(error)
		if !ok || !strings.HasPrefix(err.Error(), "deadlock: ") {
			panic(r)
		}
		if strings.HasPrefix(err.Error(), "deadlock: main bubble goroutine has exited") {
			st.mu.Lock()
			left := st.leaked + st.helpers
			st.mu.Unlock()
			if left == 0 {
				// The leak check waits for the bubble to settle, so this
				// should not happen; if it does, the stacks say who.
				t.Errorf("labtest: goroutines were started after the leak check ran (by a t.Cleanup function?). Their stacks:\n\n%s",
					groupStacks(goroutinesOf(st.bubble)))
			}
			return
		}
		t.Errorf("labtest: %v: every goroutine of the test is blocked forever, so it cannot finish "+
			"(waiting on a channel nobody sends on? a WaitGroup nobody marks done?). Its goroutines:\n\n%s",
			err, groupStacks(goroutinesOf(st.bubble)))
	}()
	synctest.Test(t, inner)
}

// chooseSeed returns the -seed flag, else $DISTLABS_SEED, else a fresh seed.
func chooseSeed() (int64, error) {
	s := *seedFlag
	if s == "" {
		s = os.Getenv(SeedEnv)
	}
	if s == "" {
		return rand.Int64N(1 << 31), nil // short, easy to type back
	}
	seed, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("labtest: bad seed %q: %v", s, err)
	}
	return seed, nil
}

// lockedSource makes a PCG safe for concurrent use.
type lockedSource struct {
	mu  sync.Mutex
	src *rand.PCG
}

func (s *lockedSource) Uint64() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.src.Uint64()
}

func newRand(seed int64) *rand.Rand {
	return rand.New(&lockedSource{src: rand.NewPCG(uint64(seed), 0x6c61627465737473)})
}
