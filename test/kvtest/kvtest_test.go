package kvtest_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/test/linearize"
	"distlabs/test/tester"
)

// store is an in-memory key/value service whose clerks can be made to
// misbehave, so that the checkers have something to catch.
type store struct {
	mu    sync.Mutex
	kv    map[string]string
	prev  map[string]string // each key's value before its last write
	stale bool              // Get returns the value before the last write
	hold  chan struct{}     // if set, Put waits for it to close
}

func newStore() *store { return &store{kv: map[string]string{}, prev: map[string]string{}} }

func (s *store) Get(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stale {
		return s.prev[key]
	}
	return s.kv[key]
}

func (s *store) Put(key, value string) {
	if s.hold != nil {
		<-s.hold
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prev[key], s.kv[key] = s.kv[key], value
}

func (s *store) Append(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prev[key] = s.kv[key]
	s.kv[key] += value
}

// TestHistoryRecords: every completed operation is recorded and counted
// for the "Passed" line; after Stop, or when Dropped says so, none is.
func TestHistoryRecords(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		net := tester.NewNet(t, true)
		defer net.Cleanup()
		s := newStore()
		dropped := false
		h := kvtest.NewHistory(t, net, kvtest.Options{Dropped: func(kvtest.Clerk) bool { return dropped }})
		h.Put(s, 0, "k", "a")
		h.Append(s, 1, "k", "b")
		h.Expect(s, 0, "k", "ab")
		if got := h.Get(s, 1, "k"); got != "ab" {
			t.Fatalf("Get = %q, want ab", got)
		}
		if h.Len() != 4 || net.Ops() != 4 {
			t.Fatalf("recorded %d operations and counted %d, want 4 and 4", h.Len(), net.Ops())
		}
		h.Check()
		dropped = true
		h.Put(s, 0, "k", "c")
		dropped = false
		h.Stop()
		h.Stop() // a second Stop is harmless
		h.Append(s, 0, "k", "d")
		if !h.Stopped() || h.Len() != 4 || net.Ops() != 4 {
			t.Fatalf("after a dropped op and Stop: stopped %v, %d recorded, %d counted; want 4", h.Stopped(), h.Len(), net.Ops())
		}
		if got := s.Get("k"); got != "c" {
			t.Fatalf("value %q: the op after Stop ran, or the dropped one did not", got)
		}
	})
}

// TestStopEndsOperations: after Stop an operation in progress is not
// recorded; with Abandon it returns at once instead of running to its end.
func TestStopEndsOperations(t *testing.T) {
	for _, abandon := range []bool{false, true} {
		labtest.Run(t, func(t *labtest.T) {
			s := newStore()
			s.hold = make(chan struct{})
			h := kvtest.NewHistory(t, nil, kvtest.Options{Abandon: abandon})
			var returned atomic.Bool
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.Put(s, 0, "k", "v")
				returned.Store(true)
			}()
			time.Sleep(time.Second)
			h.Stop()
			time.Sleep(time.Second)
			if returned.Load() != abandon {
				t.Fatalf("Abandon %v: the Put in progress returned at Stop: %v", abandon, returned.Load())
			}
			close(s.hold)
			<-done
			if h.Len() != 0 {
				t.Fatalf("Abandon %v: the Put that ended after Stop was recorded", abandon)
			}
		})
	}
}

// The failures of Check and Expect end the test, so they are checked in a
// child process running these fixtures (skipped unless fixtureEnv is set).
const fixtureEnv = "KVTEST_FIXTURE"

// staleHistory records a read of the value a key held before its last
// completed write: not linearizable.
func staleHistory(t *labtest.T) *kvtest.History {
	s := newStore()
	h := kvtest.NewHistory(t, nil, kvtest.Options{})
	h.Put(s, 0, "k", "a")
	h.Put(s, 1, "k", "b")
	s.stale = true
	h.Get(s, 0, "k")
	return h
}

func TestFixtureStaleRead(t *testing.T) {
	if os.Getenv(fixtureEnv) == "" {
		t.Skip("fixture of TestCheckFailures")
	}
	labtest.Run(t, func(t *labtest.T) { staleHistory(t).Check() })
}

func TestFixtureStaleReadSkipped(t *testing.T) {
	if os.Getenv(fixtureEnv) == "" {
		t.Skip("fixture of TestCheckFailures")
	}
	labtest.Run(t, func(t *labtest.T) {
		h := staleHistory(t)
		h.Skip("checked by hand")
		h.Check()
	})
}

func TestFixtureExpect(t *testing.T) {
	if os.Getenv(fixtureEnv) == "" {
		t.Skip("fixture of TestCheckFailures")
	}
	labtest.Run(t, func(t *labtest.T) {
		h := kvtest.NewHistory(t, nil, kvtest.Options{})
		h.Expect(newStore(), 0, "k", "x")
	})
}

// TestCheckFailures: Check fails a history with a stale read (unless
// Skip replaced it), and Expect fails on a wrong value.
func TestCheckFailures(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.v", "-test.run", "^TestFixture")
	cmd.Env = append(os.Environ(), fixtureEnv+"=1", linearize.VizDirEnv+"="+t.TempDir())
	b, _ := cmd.CombinedOutput()
	out := string(b)
	for _, want := range []string{
		"--- FAIL: TestFixtureStaleRead ", "not linearizable",
		"--- PASS: TestFixtureStaleReadSkipped", "porcupine check replaced: checked by hand",
		"--- FAIL: TestFixtureExpect", `Get("k") = ""; want "x"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fixtures' output lacks %q:\n%s", want, out)
		}
	}
}

// TestCheckAppends: the direct check of a history of appends catches a
// lost, a duplicated and a reordered append, and looks at one key only.
func TestCheckAppends(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		s := newStore()
		h := kvtest.NewHistory(t, nil, kvtest.Options{})
		a, b, c := kvtest.AppendValue(0, 0), kvtest.AppendValue(0, 1), kvtest.AppendValue(1, 0)
		h.Append(s, 0, "k", a) // returns before b is called
		h.Append(s, 0, "k", b)
		h.Append(s, 1, "other", c)
		for _, tc := range []struct{ final, err string }{
			{a + b, ""},
			{a, "missing"},
			{a + b + a, "more than once"},
			{b + a, "returned before"},
		} {
			err := h.CheckAppends("k", tc.final)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("CheckAppends(%q) = %v, want %q", tc.final, err, tc.err)
			}
		}
	})
}

func TestCheckClientAppends(t *testing.T) {
	v := func(cli, j int) string { return kvtest.AppendValue(cli, j) }
	for _, tc := range []struct {
		value string
		err   string
	}{
		{v(1, 0) + v(2, 0) + v(1, 1), ""},
		{v(1, 0) + v(1, 10), "not in the value"}, // n1 is no prefix of n10
		{v(1, 0) + v(1, 1) + v(1, 0), "more than once"},
		{v(1, 1) + v(1, 0), "sits before"},
	} {
		err := kvtest.CheckClientAppends(1, tc.value, 2)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("CheckClientAppends(1, %q, 2) = %v, want %q", tc.value, err, tc.err)
		}
	}
	if long := strings.Repeat("x", 500); len(kvtest.Abbrev(long)) >= 500 {
		t.Error("Abbrev left a long value whole")
	}
}

// TestClientRand: a client's choices depend on the seed and the client
// only.
func TestClientRand(t *testing.T) {
	draw := func(seed int64, cli int) []int {
		r := kvtest.ClientRand(seed, cli)
		return []int{r.IntN(1000), r.IntN(1000), r.IntN(1000)}
	}
	if !slices.Equal(draw(7, 1), draw(7, 1)) {
		t.Error("same seed and client, different draws")
	}
	if slices.Equal(draw(7, 1), draw(7, 2)) || slices.Equal(draw(7, 1), draw(8, 1)) {
		t.Error("different clients or seeds draw the same")
	}
}

// TestClients: each client steps until it returns false or stop is
// called, and stop waits for them.
func TestClients(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		var steps [3]atomic.Int64
		stop := kvtest.Clients(3, func(cli, i int) bool {
			time.Sleep(time.Millisecond)
			steps[cli].Add(1)
			return cli != 0 || i < 4
		})
		time.Sleep(time.Second)
		stop()
		n1 := steps[1].Load()
		time.Sleep(time.Second)
		if steps[0].Load() != 5 || n1 < 100 || steps[1].Load() != n1 {
			t.Fatalf("steps %d, %d (then %d): client 0 must stop after 5, client 1 run until stop", steps[0].Load(), n1, steps[1].Load())
		}
	})
}

// TestDecisions: disagreement between peers, a peer changing its value
// and (with validity) a value nobody proposed are each caught; the first
// violation is kept.
func TestDecisions(t *testing.T) {
	type obs struct {
		peer, seq int
		v         any
	}
	for _, tc := range []struct {
		name     string
		validity bool
		obs      []obs
		err      string
	}{
		{"agreement", true, []obs{{0, 1, "a"}, {1, 1, "a"}, {2, 2, "b"}}, ""},
		{"disagreement", false, []obs{{0, 1, "a"}, {1, 1, "b"}}, "decided as a on peer 0 but as b on peer 1"},
		{"changed value", false, []obs{{0, 1, "a"}, {0, 1, "b"}}, "later as b"},
		{"unproposed value", true, []obs{{0, 1, "x"}}, "never proposed"},
		{"unproposed without validity", false, []obs{{0, 1, "x"}}, ""},
		{"first violation kept", false, []obs{{0, 1, "a"}, {1, 1, "b"}, {0, 2, "c"}, {0, 2, "d"}}, "on peer 1"},
	} {
		d := kvtest.NewDecisions(tc.validity)
		d.Proposed(1, "a")
		d.Proposed(2, "b")
		for _, o := range tc.obs {
			d.Observe(o.peer, o.seq, o.v)
		}
		if err := d.Err(); tc.err == "" && err != "" || !strings.Contains(err, tc.err) {
			t.Errorf("%s: Err() = %q, want %q", tc.name, err, tc.err)
		}
		if seqs := d.Instances(); len(seqs) != 2 {
			t.Errorf("%s: Instances() = %v", tc.name, seqs)
		}
	}
}

// TestWatch: a sweep every interval until stop, which may be called twice.
func TestWatch(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		var sweeps atomic.Int64
		stop := kvtest.Watch(100*time.Millisecond, func() { sweeps.Add(1) })
		time.Sleep(1050 * time.Millisecond)
		stop()
		stop()
		n := sweeps.Load()
		time.Sleep(time.Second)
		if n != 10 || sweeps.Load() != n {
			t.Fatalf("%d sweeps in 1.05s, %d a second after stop; want 10 and 10", n, sweeps.Load())
		}
	})
}
