package distsort

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// clusterOpts describes one simulated cluster run.
type clusterOpts struct {
	n       int
	records func(i int) int64 // records in server i's input
	gen     GenOptions        // template; Seed and FirstRow are set per server
	split   SplitMode
	budget  int64
	// absent servers are never started (no listener, no process).
	absent map[int]bool
	// late servers start (listen and dial) after the given delay.
	late map[int]time.Duration
	// input, if set, writes server i's input instead of the generator.
	input func(t *labtest.T, i int, path string)
	// dial, if set, wraps server i's dial function.
	dial       func(i int, rn *labrpc.Network, d DialFunc) DialFunc
	unreliable bool
	meter      bool // Config.Meter
}

// clusterRun is the outcome of runCluster.
type clusterRun struct {
	dir             string
	inputs, outputs []string
	results         []*Result
	errs            []error
}

func host(i int) string { return fmt.Sprintf("s%d", i) }
func addr(i int) string { return host(i) + ":7000" }

// runCluster generates inputs, runs every present server over labrpc
// streams and waits for all of them.
func runCluster(t *labtest.T, o clusterOpts) *clusterRun {
	t.Helper()
	rn := labrpc.MakeNetwork()
	defer rn.Cleanup()
	rn.Reliable(!o.unreliable)
	cr := &clusterRun{dir: t.TempDir()}
	peers := make([]string, o.n)
	for i := range o.n {
		peers[i] = addr(i)
		in := filepath.Join(cr.dir, fmt.Sprintf("in-%d", i))
		cr.inputs = append(cr.inputs, in)
		cr.outputs = append(cr.outputs, filepath.Join(cr.dir, fmt.Sprintf("out-%d", i)))
		if o.input != nil {
			o.input(t, i, in)
			continue
		}
		g := o.gen
		g.Seed = uint64(t.Seed)*1000 + uint64(i)
		g.Records = 1000
		if o.records != nil {
			g.Records = o.records(i)
		}
		g.FirstRow = uint64(i) << 32
		if err := GenerateFile(in, g); err != nil {
			t.Fatal(err)
		}
	}
	cr.results = make([]*Result, o.n)
	cr.errs = make([]error, o.n)
	var wg sync.WaitGroup
	for i := range o.n {
		if o.absent[i] {
			cr.errs[i] = fmt.Errorf("absent")
			continue
		}
		dial := DialFunc(func(ctx context.Context, a string) (net.Conn, error) {
			return rn.DialContext(ctx, host(i), a)
		})
		if o.dial != nil {
			dial = o.dial(i, rn, dial)
		}
		cfg := Config{
			ID: i, Peers: peers, Dial: dial,
			Input: cr.inputs[i], Output: cr.outputs[i],
			Split: o.split, MemoryBudget: o.budget, Meter: o.meter,
			StartupTimeout: 10 * time.Second, IOTimeout: 30 * time.Second,
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(o.late[i])
			if o.n > 1 {
				l, err := rn.Listen(addr(i))
				if err != nil {
					cr.errs[i] = err
					return
				}
				cfg.Listener = l
			}
			cr.results[i], cr.errs[i] = Run(context.Background(), cfg)
		}()
	}
	wg.Wait()
	return cr
}

// mustSucceed fails the test unless every server succeeded and the outputs
// validate against the inputs; it returns the validation report.
func (cr *clusterRun) mustSucceed(t *labtest.T) *Report {
	t.Helper()
	for i, err := range cr.errs {
		if err != nil {
			t.Fatalf("server %d failed: %v", i, err)
		}
	}
	rep, err := Validate(cr.inputs, cr.outputs)
	if err != nil {
		t.Fatalf("outputs do not validate: %v", err)
	}
	return rep
}

// checkRanges fails the test unless output i holds only keys of range i of
// the equal-range partitioner (the assignment's placement rule).
func (cr *clusterRun) checkRanges(t *labtest.T) {
	t.Helper()
	p := EqualRanges(len(cr.outputs))
	for i, out := range cr.outputs {
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for off := 0; off < len(data); off += RecordSize {
			if d := p.Dest(data[off:]); d != i {
				t.Fatalf("%s: record %d belongs to server %d", out, off/RecordSize, d)
			}
		}
	}
}

// mustFailClean fails the test unless every server failed and the directory
// holds nothing but the inputs (no outputs, no temporary or run files).
func (cr *clusterRun) mustFailClean(t *labtest.T) {
	t.Helper()
	for i, err := range cr.errs {
		if err == nil {
			t.Fatalf("server %d succeeded; want an error", i)
		}
	}
	ents, err := os.ReadDir(cr.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "in-") {
			t.Fatalf("file %s left behind after a failed run", e.Name())
		}
	}
}

// mustFailNaming is the verdict on a run that a fault of peer victim
// broke: it fails the test unless the run failed clean (mustFailClean) and
// some server other than victim reports an error naming the victim. Each
// survivor reports the first failure it saw: the victim's reset
// connection, or the connections of a survivor that aborted before it; the
// first survivor to fail can only have seen the victim.
func (cr *clusterRun) mustFailNaming(t *labtest.T, victim int) {
	t.Helper()
	cr.mustFailClean(t)
	name := fmt.Sprintf("peer %d (%s)", victim, addr(victim))
	for i, err := range cr.errs {
		if i != victim && err != nil && strings.Contains(err.Error(), name) {
			return
		}
	}
	t.Fatalf("no survivor names %s: %v", name, cr.errs)
}

func totalRecords(rep *Report) int64 { return rep.Outputs.Records }

func testSortN(t *testing.T, n int) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(fmt.Sprintf("Test: sort across %d servers", n))
		cr := runCluster(t, clusterOpts{n: n, records: func(i int) int64 { return 500 + 137*int64(i) }})
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		t.Passed(n, 0, 0, int(totalRecords(rep)))
	})
}

// Spec "Partitioning": any N >= 1, not just powers of two.
func TestSort1Server(t *testing.T)  { testSortN(t, 1) }
func TestSort2Servers(t *testing.T) { testSortN(t, 2) }
func TestSort3Servers(t *testing.T) { testSortN(t, 3) }
func TestSort4Servers(t *testing.T) { testSortN(t, 4) }
func TestSort8Servers(t *testing.T) { testSortN(t, 8) }

// Spec "Records": empty inputs are valid.
func TestEmptyInputs(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: all inputs empty")
		cr := runCluster(t, clusterOpts{n: 3, records: func(int) int64 { return 0 }})
		rep := cr.mustSucceed(t)
		if rep.Outputs.Records != 0 {
			t.Fatalf("outputs hold %d records, want 0", rep.Outputs.Records)
		}
		for _, out := range cr.outputs {
			if _, err := os.Stat(out); err != nil {
				t.Fatalf("empty output missing: %v", err)
			}
		}
		t.Passed(3, 0, 0, 0)
	})
}

// One server holds every record; the others start empty and still receive
// their ranges.
func TestOneServerHasAllData(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: one server holds all the data")
		cr := runCluster(t, clusterOpts{n: 4, records: func(i int) int64 {
			if i == 2 {
				return 6000
			}
			return 0
		}})
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		for i, c := range rep.OutputRecords {
			if c == 0 {
				t.Fatalf("server %d received nothing from 6000 uniform keys", i)
			}
		}
		t.Passed(4, 0, 0, 6000)
	})
}

// Many copies of few keys: equal keys must all land in one output.
func TestDuplicateKeys(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: duplicate keys")
		cr := runCluster(t, clusterOpts{n: 4, gen: GenOptions{DistinctKeys: 7}})
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		// With sampled splitters several splitters may be the same key, so
		// some servers own empty ranges; the result must still be right.
		cr = runCluster(t, clusterOpts{n: 4, gen: GenOptions{DistinctKeys: 3}, split: SplitSample})
		cr.mustSucceed(t)
		t.Passed(4, 0, 0, int(rep.Outputs.Records))
	})
}

// Spec "Partitioning": sampling-based splitters balance skewed input; equal
// ranges do not (and the imbalance is reported either way).
func TestSkewedKeys(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: skewed keys, equal ranges vs sampled splitters")
		skew := clusterOpts{n: 4, records: func(int) int64 { return 3000 }, gen: GenOptions{Skew: 0.8}}
		cr := runCluster(t, skew)
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		if got := cr.results[0].Imbalance; got != rep.Imbalance() || got < 2 {
			t.Fatalf("equal ranges: reported imbalance %.2f, outputs show %.2f; want both >= 2 with 80%% skew", got, rep.Imbalance())
		}
		skew.split = SplitSample
		cr = runCluster(t, skew)
		rep = cr.mustSucceed(t)
		for i, r := range cr.results {
			if r.Imbalance != rep.Imbalance() {
				t.Fatalf("server %d reports imbalance %.3f, outputs show %.3f", i, r.Imbalance, rep.Imbalance())
			}
		}
		if rep.Imbalance() > 1.25 {
			t.Fatalf("sampled splitters: imbalance %.2f (counts %v), want <= 1.25", rep.Imbalance(), rep.OutputRecords)
		}
		t.Passed(4, 0, 0, int(rep.Outputs.Records))
	})
}

// Unreliable network: every stream write is delayed; the result must not
// change.
func TestUnreliableDelays(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: sort with delayed stream writes")
		cr := runCluster(t, clusterOpts{n: 4, unreliable: true, split: SplitSample,
			records: func(int) int64 { return 8000 }})
		rep := cr.mustSucceed(t)
		t.Passed(4, 0, 0, int(rep.Outputs.Records))
	})
}

// Spec "Records": an input whose size is not a multiple of 100 is rejected
// with a clear error; nobody writes an output.
func TestBadInputSize(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: input size not a multiple of 100")
		cr := runCluster(t, clusterOpts{n: 3, input: func(t *labtest.T, i int, path string) {
			data := GenerateRecords(GenOptions{Records: 50, Seed: uint64(i)})
			if i == 1 {
				data = append(data, "partial record"...)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}})
		cr.mustFailClean(t)
		if msg := cr.errs[1].Error(); !strings.Contains(msg, "not a multiple of the 100-byte record size") {
			t.Fatalf("server 1: unclear error %q", msg)
		}
		for _, i := range []int{0, 2} {
			if !strings.Contains(cr.errs[i].Error(), "peer 1 (s1:7000)") {
				t.Fatalf("server %d: error %q does not name peer 1", i, cr.errs[i])
			}
		}
		t.Passed(3, 0, 0, 0)
	})
}

// Spec "Protocol and faults": a peer that never comes up within the startup
// window fails the others with an error naming it, and no output appears.
func TestPeerNeverStarts(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a peer never starts")
		start := time.Now()
		cr := runCluster(t, clusterOpts{n: 4, absent: map[int]bool{2: true}})
		cr.mustFailClean(t)
		for _, i := range []int{0, 1, 3} {
			if !strings.Contains(cr.errs[i].Error(), "peer 2 (s2:7000)") {
				t.Fatalf("server %d: error %q does not name peer 2", i, cr.errs[i])
			}
		}
		if el := time.Since(start); el < 10*time.Second || el > 15*time.Second {
			t.Fatalf("servers gave up after %v; want the 10s startup window", el)
		}
		t.Passed(3, 0, 0, 0)
	})
}

// Peers start in any order within the startup window (dial retry with
// backoff): server 1 starts 0.5 s late, server 3 starts 3 s late.
func TestLateStart(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a peer starts late")
		cr := runCluster(t, clusterOpts{n: 4, late: map[int]time.Duration{3: 3 * time.Second, 1: 500 * time.Millisecond}})
		rep := cr.mustSucceed(t)
		t.Passed(4, 0, 0, int(rep.Outputs.Records))
	})
}

// killConn runs kill before each write and fails the write with its
// error: kill may take the host down, or cut it off, at a chosen point of
// the stream.
type killConn struct {
	net.Conn
	kill func(b []byte) error
}

func (c *killConn) Write(b []byte) (int, error) {
	if err := c.kill(b); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// onVictim is a clusterOpts.dial that wraps only victim's connections in a
// killConn; hook makes their kill function once per run, given the
// network to act on.
func onVictim(victim int, hook func(rn *labrpc.Network) func(b []byte) error) func(int, *labrpc.Network, DialFunc) DialFunc {
	return func(i int, rn *labrpc.Network, d DialFunc) DialFunc {
		if i != victim {
			return d
		}
		kill := hook(rn)
		return func(ctx context.Context, a string) (net.Conn, error) {
			c, err := d(ctx, a)
			if err != nil {
				return nil, err
			}
			return &killConn{Conn: c, kill: kill}, nil
		}
	}
}

// pastBytes is a kill function that runs act once the connections using
// it have written more than limit bytes in all, and from then on fails
// every write with act's error (nil: the writes go on).
func pastBytes(limit int, act func() error) func(b []byte) error {
	var mu sync.Mutex
	written := 0
	var err error
	return func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		written += len(b)
		if written > limit && written-len(b) <= limit {
			err = act()
		}
		return err
	}
}

// Spec "Protocol and faults": a peer dying mid-stream makes every other
// server fail (never hang) and nobody leaves a partial output.
func TestPeerDiesMidStream(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a peer dies mid-stream")
		const victim = 2
		// A small memory budget makes the servers spill runs before the
		// death: those must be cleaned up too.
		cr := runCluster(t, clusterOpts{n: 4, records: func(int) int64 { return 20000 }, budget: 100_000,
			dial: onVictim(victim, func(rn *labrpc.Network) func([]byte) error {
				return pastBytes(300_000, func() error { // after the first full data frame
					rn.SetHostUp(host(victim), false)
					return fmt.Errorf("host %s is down", host(victim))
				})
			})})
		cr.mustFailNaming(t, victim)
		t.Passed(4, 0, 0, 0)
	})
}

// Spec "Protocol and faults": memory is bounded; beyond the budget sorted
// runs are spilled to disk and merged.
func TestSpillAndMerge(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: spill and merge under a tiny memory budget")
		cr := runCluster(t, clusterOpts{n: 3, budget: 20000, records: func(int) int64 { return 3000 },
			gen: GenOptions{DistinctKeys: 2000}})
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		for i, r := range cr.results {
			if want := r.Received / 200; r.Runs < int(want)-1 {
				t.Fatalf("server %d spilled %d runs for %d records under a 200-record budget", i, r.Runs, r.Received)
			}
		}
		t.Passed(3, 0, 0, int(rep.Outputs.Records))
	})
}

// Spec "Protocol and faults": a peer dying after the exchange, while the
// others are already writing their outputs, must still leave no output
// anywhere: outputs are renamed into place only after every server has
// written its own (the commit barrier).
func TestPeerDiesBeforeCommit(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a peer dies before committing")
		const victim = 1
		var once sync.Once
		var killed atomic.Bool
		cr := runCluster(t, clusterOpts{n: 3, records: func(int) int64 { return 2000 },
			dial: onVictim(victim, func(rn *labrpc.Network) func([]byte) error {
				return func(b []byte) error {
					if len(b) == 13 && b[0] == 'C' { // the commit frame
						once.Do(func() {
							killed.Store(true)
							rn.SetHostUp(host(victim), false)
						})
						return fmt.Errorf("host %s is down", host(victim))
					}
					return nil
				}
			})})
		if !killed.Load() {
			t.Fatalf("server %d never sent a commit frame: %v", victim, cr.errs[victim])
		}
		cr.mustFailNaming(t, victim)
		t.Passed(3, 0, 0, 0)
	})
}

// Spec "Protocol and faults": never hang. A peer cut off mid-stream by a
// partition that never heals (alive but silent) is caught by the I/O
// timeout: every server fails, naming a peer, and leaves no output.
func TestPeerStalls(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a peer stalls mid-stream")
		const victim = 0
		start := time.Now()
		cr := runCluster(t, clusterOpts{n: 3, records: func(int) int64 { return 20000 },
			dial: onVictim(victim, func(rn *labrpc.Network) func([]byte) error {
				return pastBytes(300_000, func() error {
					rn.Partition([]string{host(victim)}, []string{host(1), host(2)})
					return nil
				})
			})})
		cr.mustFailNaming(t, victim)
		if el := time.Since(start); el > 2*time.Minute {
			t.Fatalf("servers gave up only after %v; the I/O timeout is 30s", el)
		}
		t.Passed(3, 0, 0, 0)
	})
}

// slowConn is a slow but steady link: it writes in chunks of slowChunk
// bytes, each after a pause of perByte per byte, so bytes trickle out at a
// steady rate whatever the size of the caller's writes.
type slowConn struct {
	net.Conn
	perByte time.Duration
}

const slowChunk = 4096

func (c *slowConn) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		chunk := b[n:min(n+slowChunk, len(b))]
		time.Sleep(time.Duration(len(chunk)) * c.perByte)
		m, err := c.Conn.Write(chunk)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Spec "Protocol and faults", [Config.IOTimeout]: the timeout bounds the
// wait for the next frame from a peer and for one write, not a whole
// stream. Every connection here is a slow but steady link (20 KB/s in
// virtual time, in 4 KB chunks): a frame of up to 600 KB arrives well
// within the 30 s timeout, but each server's stream to its peer (about
// 1 MB) takes about 50 s. The sort must succeed: a deadline set once per
// stream (or per phase) fails it.
func TestSlowSteadyPeer(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: a slow but steady peer whose stream outlasts the I/O timeout")
		const perByte = 50 * time.Microsecond // 20 KB/s
		start := time.Now()
		cr := runCluster(t, clusterOpts{n: 2, records: func(int) int64 { return 20000 },
			dial: func(i int, rn *labrpc.Network, d DialFunc) DialFunc {
				return func(ctx context.Context, a string) (net.Conn, error) {
					c, err := d(ctx, a)
					if err != nil {
						return nil, err
					}
					return &slowConn{Conn: c, perByte: perByte}, nil
				}
			}})
		rep := cr.mustSucceed(t)
		cr.checkRanges(t)
		// Without this the link was not slow enough to test anything.
		if el := time.Since(start); el < 45*time.Second {
			t.Fatalf("the sort took %v over the slow links; the test expects more than the 30 s I/O timeout", el)
		}
		t.Passed(2, 0, 0, int(rep.Outputs.Records))
	})
}
