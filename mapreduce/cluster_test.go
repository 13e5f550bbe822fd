package mapreduce_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/mapreduce"
	"distlabs/mapreduce/apps"
	"distlabs/test/labtest"
)

// The test cluster: a coordinator "process" and worker goroutines on a
// labrpc network, sharing one temporary directory. It plays the role of the
// classic lab's test script.

const (
	coordName = "coordinator"
	// jobLimit is the virtual time a job may take before the test gives up.
	jobLimit = 600 * time.Second
	// coordPoll and coordLinger mimic the classic coordinator main: poll
	// Done, then keep answering for a moment so workers hear "exit".
	coordPoll   = 100 * time.Millisecond
	coordLinger = time.Second
)

// inputNames are the classic input names: early_exit keys on "sherlock"
// and "tom".
var inputNames = []string{
	"pg-being_ernest.txt", "pg-dorian_gray.txt", "pg-frankenstein.txt", "pg-grimm.txt",
	"pg-huckleberry_finn.txt", "pg-metamorphosis.txt", "pg-sherlock_holmes.txt", "pg-tom_sawyer.txt",
}

// genInputs writes the eight input files of random text into a new
// temporary directory and returns their absolute paths. The text mixes
// ASCII and non-ASCII letters, digits and punctuation, so word splitting is
// exercised, and words follow a skewed distribution like natural text.
func genInputs(t *labtest.T, size int) []string {
	t.Helper()
	dir := t.TempDir()
	vocab := make([]string, 400)
	letters := []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüßøλж")
	for i := range vocab {
		n := 1 + t.Rand.IntN(9)
		w := make([]rune, n)
		for j := range w {
			w[j] = letters[t.Rand.IntN(len(letters))]
		}
		vocab[i] = string(w)
	}
	seps := []string{" ", " ", " ", ", ", ". ", "\n", " -- ", "'", "; ", " 42 ", "\t", "!\n"}
	var files []string
	for _, name := range inputNames {
		var b strings.Builder
		for b.Len() < size {
			// Square the draw to favour low ranks (frequent words).
			r := t.Rand.Float64()
			b.WriteString(vocab[int(r*r*float64(len(vocab)))])
			b.WriteString(seps[t.Rand.IntN(len(seps))])
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatalf("write input: %v", err)
		}
		files = append(files, path)
	}
	return files
}

// workerResult is how a worker goroutine ended.
type workerResult struct {
	id  string
	err error
}

type cluster struct {
	t       *labtest.T
	rn      *labrpc.Network
	c       *mapreduce.Coordinator
	dir     string
	nextID  int
	running int
	// maxFailures, if set, is the workers' MaxFailures (an unreliable
	// network needs more patience than the default).
	maxFailures int
	results     chan workerResult

	// finished is closed when the coordinator saw Done (or gave up at
	// jobLimit, then timedOut is set before); exited when it stopped
	// answering.
	finished chan struct{}
	exited   chan struct{}
	timedOut bool
}

// newCluster starts a coordinator for files with nReduce partitions, whose
// shared directory is a fresh temporary directory.
func newCluster(t *labtest.T, files []string, nReduce int) *cluster {
	cl := &cluster{
		t:        t,
		rn:       labrpc.MakeNetwork(),
		c:        mapreduce.MakeCoordinator(files, nReduce),
		dir:      t.TempDir(),
		results:  make(chan workerResult),
		finished: make(chan struct{}),
		exited:   make(chan struct{}),
	}
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(cl.c))
	cl.rn.AddServer(coordName, srv)
	go cl.coordinatorMain()
	return cl
}

// coordinatorMain is the coordinator process's main loop.
func (cl *cluster) coordinatorMain() {
	defer close(cl.exited)
	deadline := time.Now().Add(jobLimit)
	for !cl.c.Done() {
		if !time.Now().Before(deadline) {
			cl.timedOut = true
			break
		}
		time.Sleep(coordPoll)
	}
	close(cl.finished)
	time.Sleep(coordLinger)
	cl.rn.DeleteServer(coordName)
}

// startWorker starts a worker running app with its own end and random
// source, and returns its id.
func (cl *cluster) startWorker(app string) string {
	cl.nextID++
	id := fmt.Sprintf("w%d", cl.nextID)
	end := cl.rn.MakeEnd(id)
	cl.rn.Connect(id, coordName)
	cl.rn.Enable(id, true)
	cfg := mapreduce.WorkerConfig{
		ID:          id,
		Dir:         cl.dir,
		App:         apps.MustLookup(app),
		Coordinator: end,
		Rand:        rand.New(rand.NewPCG(cl.t.Rand.Uint64(), cl.t.Rand.Uint64())),
		MaxFailures: cl.maxFailures,
	}
	cl.running++
	go func() { cl.results <- workerResult{id, mapreduce.RunWorker(cfg)} }()
	return id
}

// wait collects the next worker to end.
func (cl *cluster) wait() workerResult {
	r := <-cl.results
	cl.running--
	return r
}

// checkExit fails the test if a worker ended other than by being told to
// exit or finding the coordinator gone.
func (cl *cluster) checkExit(r workerResult) {
	if r.err != nil && !errors.Is(r.err, mapreduce.ErrCoordinatorGone) {
		cl.t.Errorf("worker %s: %v", r.id, r.err)
	}
}

// finish waits for every worker and the coordinator to end, checks that
// the job completed in time, and tears the network down.
func (cl *cluster) finish() {
	for cl.running > 0 {
		cl.checkExit(cl.wait())
	}
	<-cl.exited
	cl.rn.Cleanup()
	if cl.timedOut {
		cl.t.Fatalf("job not done after %v (virtual)", jobLimit)
	}
}

// runJob runs app over files with nWorkers workers and returns the job's
// directory after everything has ended.
func runJob(t *labtest.T, app string, files []string, nReduce, nWorkers int) *cluster {
	cl := newCluster(t, files, nReduce)
	for range nWorkers {
		cl.startWorker(app)
	}
	cl.finish()
	return cl
}

// outputLines returns the non-empty lines of every mr-out-* file in dir,
// sorted (the classic test's "sort mr-out* | grep .").
func outputLines(t testing.TB, dir string) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "mr-out-*"))
	if err != nil {
		t.Fatalf("glob: %v", err)
	}
	var lines []string
	for _, name := range names {
		if strings.Contains(filepath.Base(name), ".tmp") {
			continue // a temporary a crashed worker left behind
		}
		lines = append(lines, fileLines(t, name)...)
	}
	slices.Sort(lines)
	return lines
}

// fileLines returns the non-empty lines of a file, in file order.
func fileLines(t testing.TB, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("open output: %v", err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return lines
}

// sequentialLines runs app sequentially over files and returns its output
// lines, sorted.
func sequentialLines(t *labtest.T, app string, files []string) []string {
	t.Helper()
	dir := t.TempDir()
	if err := mapreduce.RunSequential(apps.MustLookup(app), dir, files, "mr-out-0"); err != nil {
		t.Fatalf("sequential %s: %v", app, err)
	}
	return outputLines(t, dir)
}

// compareLines fails the test, showing the first difference, if got and
// want differ.
func compareLines(t *labtest.T, what string, got, want []string) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("%s: output differs from the reference at sorted line %d: got %q, want %q "+
				"(%d lines, want %d)", what, i, g, w, len(got), len(want))
		}
	}
}
