package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"distlabs/test/internal/gotest"
)

// Config holds the grader's options (flags or make variables).
type Config struct {
	Root       string // module root of the reference tree (the tests come from here)
	Rubric     string // rubric file
	Lab, Part  string // restrict to one lab / part
	Seeds      int    // each test must pass under this many seeds
	Submission string // grade a copy of this tree, with our tests overlaid
	Hidden     string // overlay the _test.go files of this tree (and merge its rubric.yaml)
	Jobs       int    // parallel test processes
	Timeout    time.Duration
	OutDir     string // results.json, binaries and failure logs
}

// Outcome is the graded result of one rubric entry.
type Outcome struct {
	Lab     *Lab
	Entry   Entry
	Passed  bool
	Status  string // pass, fail, timeout, build failed, ...
	Seed    int64  // the failing seed, if any
	Output  string // for results.json
	LogPath string // full output of the failing run
	Elapsed time.Duration
}

// Report is everything one grading run produced.
type Report struct {
	Outcomes []*Outcome
	Notes    []string // labs skipped and why
}

// Score sums points earned and available.
func (r *Report) Score() (got, max float64) {
	for _, o := range r.Outcomes {
		max += o.Entry.Points
		if o.Passed {
			got += o.Entry.Points
		}
	}
	return got, max
}

// AllPassed reports whether every graded test passed.
func (r *Report) AllPassed() bool {
	for _, o := range r.Outcomes {
		if !o.Passed {
			return false
		}
	}
	return true
}

// Grade runs the rubric's tests as configured; log receives progress notes.
func Grade(ctx context.Context, cfg Config, log io.Writer) (*Report, error) {
	rubric, err := LoadRubric(cfg.Rubric)
	if err != nil {
		return nil, err
	}
	tree := cfg.Root
	if cfg.Submission != "" || cfg.Hidden != "" {
		if tree, err = prepareTree(cfg, rubric, log); err != nil {
			return nil, err
		}
	}
	if cfg.Hidden != "" {
		hr := filepath.Join(cfg.Hidden, "rubric.yaml")
		if _, err := os.Stat(hr); err == nil {
			hidden, err := LoadRubric(hr)
			if err != nil {
				return nil, err
			}
			rubric.Merge(hidden)
		}
	}

	rep := &Report{}
	var labs []*Lab
	for i := range rubric.Labs {
		lab := &rubric.Labs[i]
		if cfg.Lab != "" && lab.Lab != cfg.Lab {
			continue
		}
		if len(selectTests(lab, cfg.Part)) == 0 {
			continue // no graded tests yet (or none in PART): skipped silently
		}
		if st, err := os.Stat(filepath.Join(tree, lab.Package)); err != nil || !st.IsDir() {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: skipped, package %s does not exist yet", lab.Lab, lab.Package))
			continue
		}
		labs = append(labs, lab)
	}
	if cfg.Lab != "" && len(labs) == 0 && len(rep.Notes) == 0 {
		return nil, fmt.Errorf("no graded tests for LAB=%s PART=%s in %s", cfg.Lab, cfg.Part, cfg.Rubric)
	}

	bins := compileAll(ctx, cfg, tree, labs, log)
	var jobs []job
	for _, lab := range labs {
		b := bins[lab]
		for _, e := range selectTests(lab, cfg.Part) {
			o := &Outcome{Lab: lab, Entry: e, Status: "not run"}
			rep.Outcomes = append(rep.Outcomes, o)
			if b.err != nil {
				o.Status, o.Output = "build failed", b.err.Error()
				continue
			}
			timeout := lab.timeout
			if cfg.Timeout > 0 {
				timeout = cfg.Timeout
			}
			st := &testState{outcome: o, remaining: cfg.Seeds}
			for _, s := range seedsFor(e.Name, cfg.Seeds) {
				jobs = append(jobs, job{state: st, bin: b, seed: s, timeout: timeout})
			}
		}
	}
	runAll(ctx, cfg, jobs, log)
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("grading interrupted: %w", err)
	}
	return rep, nil
}

// selectTests returns the lab's entries in part (all parts if part is "").
func selectTests(lab *Lab, part string) []Entry {
	var out []Entry
	for _, e := range lab.Tests {
		if part == "" || strings.EqualFold(e.Part, part) {
			out = append(out, e)
		}
	}
	return out
}

// binary is one lab's compiled test binary.
type binary struct {
	path     string
	dir      string // package source directory, the binary's working directory
	pkg      string
	seedFlag bool
	// watchdog: the binary has the harness's -watchdog flag. The grader
	// sets it a little below the kill limit so a stalled test dumps its
	// goroutines before it is killed.
	watchdog bool
	err      error
}

// compileAll builds every lab's test binary once, in parallel.
func compileAll(ctx context.Context, cfg Config, tree string, labs []*Lab, log io.Writer) map[*Lab]*binary {
	bins := map[*Lab]*binary{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Jobs)
	binDir := filepath.Join(cfg.OutDir, "bin")
	for _, lab := range labs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b := &binary{
				path: filepath.Join(binDir, lab.Lab+".test"),
				dir:  filepath.Join(tree, lab.Package),
				pkg:  lab.Package,
			}
			b.err = gotest.Compile(ctx, tree, lab.Package, b.path)
			if b.err == nil {
				b.seedFlag = gotest.SupportsFlag(ctx, b.path, b.dir, "seed")
				b.watchdog = gotest.SupportsFlag(ctx, b.path, b.dir, "watchdog=1s")
			} else {
				fmt.Fprintf(log, "grade: %s: build failed; its tests score 0\n", lab.Lab)
			}
			mu.Lock()
			bins[lab] = b
			mu.Unlock()
		})
	}
	wg.Wait()
	return bins
}

// testState collects the seeds of one rubric entry.
type testState struct {
	mu        sync.Mutex
	outcome   *Outcome
	remaining int
	failed    bool
}

type job struct {
	state   *testState
	bin     *binary
	seed    int64
	timeout time.Duration
}

// runAll runs the jobs on cfg.Jobs workers. Once one seed of a test fails,
// its other seeds are not started: the test has already lost its points.
func runAll(ctx context.Context, cfg Config, jobs []job, log io.Writer) {
	ch := make(chan job)
	var wg sync.WaitGroup
	for range cfg.Jobs {
		wg.Go(func() {
			for j := range ch {
				runOne(ctx, cfg, j)
			}
		})
	}
	for i, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		if i > 0 && i%20 == 0 {
			fmt.Fprintf(log, "grade: %d/%d runs started\n", i, len(jobs))
		}
		ch <- j
	}
	close(ch)
	wg.Wait()
}

func runOne(ctx context.Context, cfg Config, j job) {
	st := j.state
	st.mu.Lock()
	skip := st.failed
	st.mu.Unlock()
	if skip {
		return
	}
	name := st.outcome.Entry.Name
	var args []string
	if j.bin.watchdog {
		args = []string{"-watchdog", (j.timeout * 9 / 10).String()}
	}
	res := gotest.Run(ctx, gotest.Spec{
		Bin: j.bin.path, Dir: j.bin.dir, Test: name,
		Seed: j.seed, SeedFlag: j.bin.seedFlag, Timeout: j.timeout, Args: args,
	})
	logPath := ""
	if res.Status != gotest.Pass {
		logPath = filepath.Join(cfg.OutDir, "logs", fmt.Sprintf("%s-%s-seed%d.log", st.outcome.Lab.Lab, name, j.seed))
		if err := writeLog(logPath, res.Output); err != nil {
			logPath = "(not saved: " + err.Error() + ")"
		}
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.outcome
	o.Elapsed += res.Elapsed
	st.remaining--
	if st.failed {
		return
	}
	if res.Status != gotest.Pass {
		st.failed = true
		o.Status = string(res.Status)
		o.Seed = j.seed
		o.LogPath = logPath
		o.Output = fmt.Sprintf("%s with seed %d: %s\nreplay: %s\n\n%s", res.Status, j.seed, res.Reason,
			replayCommand(j.bin.pkg, name, j.seed), tail(res.Output, 8000))
		return
	}
	if st.remaining == 0 {
		// Every seed ran and passed: only now does the test earn its points
		// (an interrupted run leaves it at zero).
		o.Passed = true
		o.Status = "pass"
		o.Output = fmt.Sprintf("passed under %d seed(s)\n\n%s", cfg.Seeds, tail(res.Output, 4000))
	}
}

func replayCommand(pkg, name string, seed int64) string {
	return fmt.Sprintf("go test %s -run '^%s$' -seed %d", pkg, name, seed)
}

func writeLog(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("log dir: %w", err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write log: %w", err)
	}
	return nil
}

// tail keeps the last n bytes of s: the end of a log is where failures are.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...(truncated)...\n" + s[len(s)-n:]
}
