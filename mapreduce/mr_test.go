package mapreduce_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"distlabs/mapreduce"
	"distlabs/test/labtest"
)

// The classic lab's test script, as Go tests in virtual time.

func TestWordCount(t *testing.T) {
	// The sequential run shares code with the workers; check it against
	// the classic definition too, computed here from scratch.
	matchSequential(t, "Test: wc (word count) output equals the sequential output", "wc", 40000, 3, countWords)
}

func TestIndexer(t *testing.T) {
	matchSequential(t, "Test: indexer output equals the sequential output", "indexer", 20000, 2, indexWords)
}

// matchSequential runs app as a job of nWorkers over inputs of about size
// words and requires the output of the sequential run, which must itself
// equal direct, the same answer computed without the lab's code.
func matchSequential(t *testing.T, title, app string, size, nWorkers int, direct func(*labtest.T, []string) []string) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		files := genInputs(t, size)
		want := sequentialLines(t, app, files)
		compareLines(t, "sequential "+app, want, direct(t, files))
		cl := runJob(t, app, files, 10, nWorkers)
		compareLines(t, app, outputLines(t, cl.dir), want)
		t.Passed(nWorkers, cl.rn.GetTotalCount(), cl.rn.GetTotalBytes(), len(want))
	})
}

// TestUnreliable runs word count over a network that drops requests and
// replies (10% each way): a lost GetTask reply leaves a task assigned to
// nobody and a lost report leaves a finished task unreported, so the job
// completes only if the coordinator reassigns such tasks after the timeout
// and tolerates them being done twice (spec: "A task not finished within
// 10 s is reassigned; late results ... are ignored or harmless").
func TestUnreliable(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: wc on an unreliable network")
		files := genInputs(t, 20000)
		want := sequentialLines(t, "wc", files)
		cl := newCluster(t, files, 10)
		cl.rn.Reliable(false)
		cl.maxFailures = 50 // lost replies are not a dead coordinator
		for range 3 {
			cl.startWorker("wc")
		}
		cl.finish()
		compareLines(t, "wc (unreliable)", outputLines(t, cl.dir), want)
		t.Passed(3, cl.rn.GetTotalCount(), cl.rn.GetTotalBytes(), len(want))
	})
}

// timingJob runs app, a timing app of the classic script, on a small
// input with nWorkers workers and hands its output lines to check.
func timingJob(t *testing.T, title, app string, nWorkers int, check func(t *labtest.T, lines []string, nFiles int)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		files := genInputs(t, 100)
		cl := runJob(t, app, files, 10, nWorkers)
		check(t, outputLines(t, cl.dir), len(files))
		t.Passed(nWorkers, cl.rn.GetTotalCount(), cl.rn.GetTotalBytes(), len(files))
	})
}

// TestMapParallelism checks that two workers run map tasks at the same time
// (app mtiming): both must have run maps, and at least one map must have
// seen the other worker's map running.
func TestMapParallelism(t *testing.T) {
	timingJob(t, "Test: map parallelism", "mtiming", 2, func(t *labtest.T, lines []string, _ int) {
		times, parallel := 0, false
		for _, l := range lines {
			key, value, _ := strings.Cut(l, " ")
			if strings.HasPrefix(key, "times-") {
				times++
			}
			if strings.HasPrefix(key, "parallel-") && slices.Contains(strings.Fields(value), "2") {
				parallel = true
			}
		}
		if times != 2 {
			t.Fatalf("expected map output from both workers, found it from %d; output:\n%s", times, strings.Join(lines, "\n"))
		}
		if !parallel {
			t.Fatalf("no map call ever saw the other worker's map running: maps were serialised; output:\n%s", strings.Join(lines, "\n"))
		}
	})
}

// TestReduceParallelism checks that two workers run reduce tasks at the
// same time (app rtiming): at least two Reduce calls saw two reducers.
func TestReduceParallelism(t *testing.T) {
	timingJob(t, "Test: reduce parallelism", "rtiming", 2, func(t *labtest.T, lines []string, _ int) {
		n := 0
		for _, l := range lines {
			if key, value, _ := strings.Cut(l, " "); len(key) == 1 && value == "2" {
				n++
			}
		}
		if n < 2 {
			t.Fatalf("only %d reduce call(s) overlapped with a reduce on the other worker, need at least 2; output:\n%s", n, strings.Join(lines, "\n"))
		}
	})
}

// TestJobCount checks that, when nothing fails, every map task runs exactly
// once (app jobcount: maps take 2–5 s, under the reassignment timeout).
func TestJobCount(t *testing.T) {
	timingJob(t, "Test: job count (each map runs once)", "jobcount", 4, func(t *labtest.T, lines []string, nFiles int) {
		want := "a " + strconv.Itoa(nFiles)
		if !slices.Equal(lines, []string{want}) {
			t.Fatalf("with no failures each map task should run once: output %q, want %q", lines, want)
		}
	})
}

// TestEarlyExit checks that no worker, and not the coordinator, exits
// before the job is done (app early_exit: some reduces take 3 s): the
// output seen when the first of them exits must be final.
func TestEarlyExit(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: early exit")
		files := genInputs(t, 100)
		cl := newCluster(t, files, 10)
		for range 3 {
			cl.startWorker("early_exit")
		}
		// Wait for the first exit: the coordinator seeing Done, or a worker.
		var initial []string
		select {
		case <-cl.finished:
			initial = outputLines(t, cl.dir)
		case r := <-cl.results:
			initial = outputLines(t, cl.dir)
			cl.running--
			cl.checkExit(r)
		}
		cl.finish()
		final := outputLines(t, cl.dir)
		if len(final) != len(files) {
			t.Fatalf("final output has %d lines, want %d: %q", len(final), len(files), final)
		}
		if !slices.Equal(initial, final) {
			t.Fatalf("a process exited while the job was unfinished: output when it exited differs from the final output:\nat exit %q\nfinal   %q",
				initial, final)
		}
		t.Passed(3, cl.rn.GetTotalCount(), cl.rn.GetTotalBytes(), len(files))
	})
}

// TestCrash runs the crash app, whose workers die or stall at the start of
// one Map or Reduce call in three (the test restarts dead workers and
// disables their ends), and checks that the output equals the nocrash
// output. Per the spec's file rule ("a crashed worker never leaves a partial
// file under a final name"), a checker also reads every mr-out-Y that
// exists, every 100 ms of the run, and requires it to be complete.
func TestCrash(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: crash (workers die and stall at random)")
		files := genInputs(t, 1000)
		const nReduce = 10
		want := sequentialLines(t, "nocrash", files)
		wantPart := make([][]string, nReduce) // expected lines of mr-out-Y, sorted
		for _, l := range want {
			key, _, _ := strings.Cut(l, " ")
			y := mapreduce.IHash(key) % nReduce
			wantPart[y] = append(wantPart[y], l)
		}

		// Two jobs: a job in which no worker happens to stall inside a
		// Reduce call gives the file checker nothing to see.
		workers, rpcs, crashes := 0, 0, 0
		var bytes int64
		for range 2 {
			cl, n := crashJob(t, files, nReduce, wantPart)
			compareLines(t, "crash", outputLines(t, cl.dir), want)
			workers, rpcs, bytes, crashes = workers+cl.nextID, rpcs+cl.rn.GetTotalCount(), bytes+cl.rn.GetTotalBytes(), crashes+n
		}
		t.Passed(workers, rpcs, bytes, crashes)
	})
}

// crashJob runs one crash job to the end, restarting workers that die,
// with checkFinalFiles watching; it returns the cluster and the number of
// crashes.
func crashJob(t *labtest.T, files []string, nReduce int, wantPart [][]string) (*cluster, int) {
	t.Helper()
	cl := newCluster(t, files, nReduce)
	for range 3 {
		cl.startWorker("crash")
	}
	violation := make(chan string, 1)
	go checkFinalFiles(cl, wantPart, violation)

	crashes, finished := 0, false
	finishedCh := cl.finished
	for cl.running > 0 {
		select {
		case <-finishedCh:
			finishedCh = nil // seen; a nil channel is never ready
			finished = true
			continue
		case r := <-cl.results:
			cl.running--
			if errors.Is(r.err, mapreduce.ErrCrashed) {
				crashes++
				cl.rn.Enable(r.id, false) // a dead process's connections are gone
				if !finished {
					cl.startWorker("crash")
				}
				continue
			}
			cl.checkExit(r)
		}
	}
	cl.finish()
	if msg := <-violation; msg != "" {
		t.Fatal(msg)
	}
	return cl, crashes
}

// checkFinalFiles polls the final output files until the coordinator has
// exited and sends the first incomplete one it saw (or "") on violation.
func checkFinalFiles(cl *cluster, wantPart [][]string, violation chan<- string) {
	start := time.Now()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		for y, want := range wantPart {
			name := filepath.Join(cl.dir, mapreduce.OutputName(y))
			data, err := os.ReadFile(name)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				violation <- "checker: " + err.Error()
				return
			}
			var got []string
			for _, l := range strings.Split(string(data), "\n") {
				if l != "" {
					got = append(got, l)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				violation <- "mr-out-" + strconv.Itoa(y) + " existed incomplete " +
					time.Since(start).String() + " (virtual) into the job: a final name must only ever " +
					"hold a complete file (write to a temporary file and rename it)"
				return
			}
		}
		select {
		case <-cl.exited:
			violation <- ""
			return
		case <-tick.C:
		}
	}
}

// eachWord calls f for every word of every file, in order, split the
// classic way (strings.FieldsFunc on non-letters).
func eachWord(t *labtest.T, files []string, f func(file, word string)) {
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("read input: %v", err)
		}
		for _, w := range strings.FieldsFunc(string(data), func(r rune) bool { return !unicode.IsLetter(r) }) {
			f(name, w)
		}
	}
}

// countWords is word count the classic way: a map, one "word count" line
// per word, sorted.
func countWords(t *labtest.T, files []string) []string {
	counts := map[string]int{}
	eachWord(t, files, func(_, w string) { counts[w]++ })
	var lines []string
	for w, n := range counts {
		lines = append(lines, w+" "+strconv.Itoa(n))
	}
	slices.Sort(lines)
	return lines
}

// indexWords is the inverted index computed from scratch: "word N
// doc1,doc2,..." with the documents sorted.
func indexWords(t *labtest.T, files []string) []string {
	docs := map[string][]string{}
	eachWord(t, files, func(name, w string) { // files are in sorted order
		if ds := docs[w]; len(ds) == 0 || ds[len(ds)-1] != name {
			docs[w] = append(ds, name)
		}
	})
	var lines []string
	for w, ds := range docs {
		lines = append(lines, w+" "+strconv.Itoa(len(ds))+" "+strings.Join(ds, ","))
	}
	slices.Sort(lines)
	return lines
}
