package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"distlabs/test/internal/gotest"
	"distlabs/test/labtest/labcmd"
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
	// MemLimit bounds each test's memory in bytes (address space of each
	// process, resident memory of all of them); CPULimit bounds each test
	// process's CPU time (0: the test's time limit).
	MemLimit int64
	CPULimit time.Duration
	// Isolation is auto (sandbox each test where the kernel allows, and
	// say so loudly where it does not), require (refuse to grade without
	// a sandbox) or none.
	Isolation string
	// Scratch is the size of each sandboxed test's writable tmpfs, in
	// bytes (0: gotest.DefaultScratch).
	Scratch int64
	// APIOnly (RUBRIC=api) grades only the API tests (those built with
	// -tags distlabs_ported, which need nothing of our handout) and scales
	// each lab's score to its full marks: a score for code written to the
	// course's own skeleton, comparable across courses.
	APIOnly bool
}

// vizDirEnv is linearize.VizDirEnv, where porcupine's visualisation of a
// failing history goes (not imported: it would link porcupine into the
// grader for one name).
const vizDirEnv = "DISTLABS_VIZ_DIR"

// timelineDirEnv is labtest.TimelineDirEnv: a failing test writes the
// Lamport-diagram page of its run there as <TestName>.html.
const timelineDirEnv = "DISTLABS_TIMELINE_DIR"

// leaksEnv is the harness's leak policy, strict or warn.
const leaksEnv = "DISTLABS_LEAKS"

// defaultMemLimit is MEMLIMIT's default.
const defaultMemLimit = 2 << 30

// Outcome is the graded result of one rubric entry.
type Outcome struct {
	Lab     *Lab
	Entry   Entry
	Passed  bool
	Status  string // pass, fail, timeout, build failed, ...
	Reason  string // one line: why it failed
	Number  string // Gradescope's unique number, e.g. 2A.3
	Seed    int64  // the failing seed, if any
	Output  string // for results.json
	LogPath string // full output of the failing run
	Elapsed time.Duration
	// Forged counts verdict lines the harness did not write, over all the
	// test's runs (see gotest.Result.Forged).
	Forged int
}

// Report is everything one grading run produced.
type Report struct {
	Outcomes []*Outcome
	Notes    []string // labs skipped and why
	// Flags are for the TA: protected files the submission changed and
	// code that could forge results (see scan.go).
	Flags []string
	// Refused is set when the submission was not graded at all.
	Refused string
	// Isolation says how the tests ran: "namespaces + memory cgroup" (each
	// in its own sandbox, its memory counted by the kernel), "namespaces
	// (no memory cgroup: why)" or "none (why)".
	Isolation string
	// Scratch is the size of each sandboxed test's writable tmpfs, in
	// bytes (0: gotest.DefaultScratch).
	Scratch int64
	// FullMarks is set with RUBRIC=api: per lab, the points of every test
	// of the rubric (in PART), to which the API tests' score is scaled.
	FullMarks map[*Lab]float64
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

// Final is the score the report stands for: Score, or with RUBRIC=api each
// lab's API score scaled to its full marks.
func (r *Report) Final() (got, max float64) {
	if r.FullMarks == nil {
		return r.Score()
	}
	labGot, labMax := map[*Lab]float64{}, map[*Lab]float64{}
	for _, o := range r.Outcomes {
		labMax[o.Lab] += o.Entry.Points
		if o.Passed {
			labGot[o.Lab] += o.Entry.Points
		}
	}
	for lab, full := range r.FullMarks {
		max += full
		if labMax[lab] > 0 {
			got += labGot[lab] * full / labMax[lab]
		}
	}
	return math.Round(got*100) / 100, max
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
	sandboxed, iso, err := chooseIsolation(cfg.Isolation)
	if err != nil {
		return nil, err
	}
	rep := &Report{Isolation: iso}
	tree := cfg.Root
	if cfg.Submission != "" || cfg.Hidden != "" {
		p, err := prepareTree(cfg, rubric, log)
		var ref *refusal
		if errors.As(err, &ref) {
			return refuse(rubric, cfg, ref.msg), nil
		} else if err != nil {
			return nil, err
		}
		tree, rep.Notes, rep.Flags = p.dir, p.notes, p.flags
	}
	if !sandboxed {
		// The first line a TA reads.
		rep.Flags = append([]string{"isolation: " + iso + ": the tests ran with the grader's environment, files and processes in reach"}, rep.Flags...)
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

	// In a prepared tree the go command's list of what each lab builds
	// decides what is scanned, which packages import the harness first and
	// which labs are refused: those score 0 with the reason, unbuilt.
	var refused map[*Lab]error
	if cfg.Submission != "" || cfg.Hidden != "" {
		ins, err := inspectTree(ctx, cfg, rubric, tree, labs, log)
		if err != nil {
			return nil, err
		}
		refused, rep.Flags = ins.refused, append(rep.Flags, ins.flags...)
	}

	prog := &progress{log: log}
	build := slices.DeleteFunc(slices.Clone(labs), func(l *Lab) bool { return refused[l] != nil })
	prebuild(ctx, tree, build, log)
	bins := compileAll(ctx, cfg, tree, build, sandboxed, log)
	for lab, err := range refused {
		bins[lab] = &binary{dir: filepath.Join(tree, lab.Package), pkg: lab.Package, err: err}
	}
	var jobs []job
	if cfg.APIOnly {
		rep.FullMarks = map[*Lab]float64{}
	}
	for _, lab := range labs {
		b := bins[lab]
		if cfg.APIOnly {
			var full, api float64
			var left []string
			for _, e := range selectTests(lab, cfg.Part) {
				full += e.Points
				if b.err != nil || b.tests == nil || b.tests[e.Name] {
					api += e.Points
				} else {
					left = append(left, e.Name)
				}
			}
			rep.FullMarks[lab] = full
			if len(left) > 0 {
				rep.Notes = append(rep.Notes, fmt.Sprintf("RUBRIC=api: %s: the %d handout test(s) (%s points: %s) are left out; "+
					"the API tests' %s points are scaled to the lab's %s", lab.Lab, len(left), num(full-api), strings.Join(left, " "), num(api), num(full)))
			}
		}
		if b.err == nil && b.ported != nil {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: built only with -tags %s: the tests that need the handout's RPC types score 0 (%s)",
				lab.Lab, portedTag, buildError(b.ported)))
		}
		for _, e := range selectTests(lab, cfg.Part) {
			o := &Outcome{Lab: lab, Entry: e, Status: "not run", Number: testNumber(lab, e)}
			rep.Outcomes = append(rep.Outcomes, o)
			if b.err != nil {
				o.Status, o.Reason, o.Output = "build failed", "build failed: "+buildError(b.err), b.err.Error()
				if ref := (*refusal)(nil); errors.As(b.err, &ref) {
					o.Status, o.Reason = "refused", firstLine(ref.msg)
				}
				continue
			}
			if cfg.APIOnly && b.tests != nil && !b.tests[e.Name] {
				// A handout test: not part of the API rubric.
				rep.Outcomes = rep.Outcomes[:len(rep.Outcomes)-1]
				continue
			}
			if b.tests != nil && !b.tests[e.Name] {
				o.Status = "not built"
				o.Reason = "not built: needs the handout's RPC types"
				if b.ported == nil {
					o.Reason = "not built: no such test in the package"
				}
				o.Output = o.Reason + "\n"
				if b.ported != nil {
					o.Output += "\n" + b.ported.Error()
				}
				continue
			}
			timeout := lab.timeout
			if cfg.Timeout > 0 {
				timeout = cfg.Timeout
			}
			seeds := max(cfg.Seeds, e.Seeds)
			st := &testState{outcome: o, remaining: seeds, seeds: seeds, progress: prog}
			for _, s := range seedsFor(e.Name, seeds) {
				jobs = append(jobs, job{state: st, bin: b, seed: s, timeout: timeout})
			}
		}
	}
	prog.total = len(rep.Outcomes)
	for _, o := range rep.Outcomes {
		if o.Status != "not run" {
			prog.done++
		}
	}
	runAll(ctx, cfg, jobs, log)
	// A descendant that escaped every run's tracking (it cleared its
	// environment and left its session before it was seen) dies here.
	// (A sandboxed test's descendants die with its PID namespace.)
	killOrphans()
	for _, o := range rep.Outcomes {
		if o.Forged > 0 {
			rep.Flags = append(rep.Flags, fmt.Sprintf("%s %s: %d verdict line(s) the harness did not write "+
				"(a wrong nonce, a repeated verdict, or a pass for a test that never started): forging was attempted",
				o.Lab.Lab, o.Entry.Name, o.Forged))
		}
	}
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
	// tests lists the tests the binary contains (nil: not checked). With
	// ported set (the package built only with portedTag) the rubric's other
	// tests are scored "not built".
	tests  map[string]bool
	ported error // the error of the normal build, when the tagged one was used
	err    error
	// sandbox isolates every run of the binary (nil: no isolation); env
	// is added to each run's environment (the prebuilt commands).
	sandbox *gotest.Sandbox
	env     []string
}

// portedTag excludes the tests that rely on the handout's RPC types
// (contract 4): a submission that renamed them still gets its API tests.
const portedTag = "distlabs_ported"

// compileEnv makes the go command use exactly the tree's (our) go.mod: no
// workspace, no vendor directory, no edits to go.mod, no cgo; -trimpath
// so the build cache shares identical packages between trees (batch mode).
var compileEnv = []string{"GOWORK=off", "GOFLAGS=-mod=readonly -trimpath", "CGO_ENABLED=0"}

// compileAll builds every lab's test binary once, in parallel.
func compileAll(ctx context.Context, cfg Config, tree string, labs []*Lab, sandboxed bool, log io.Writer) map[*Lab]*binary {
	bins := map[*Lab]*binary{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, cfg.Jobs)
	binDir := filepath.Join(cfg.OutDir, "bin")
	for _, lab := range labs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b := compileLab(ctx, tree, binDir, lab, sandboxed, cfg.APIOnly, cfg.Scratch, log)
			mu.Lock()
			bins[lab] = b
			mu.Unlock()
		})
	}
	wg.Wait()
	return bins
}

// compileLab builds one lab, retrying with portedTag if the normal build
// fails, and its commands, and lists the tests the binary has.
func compileLab(ctx context.Context, tree, binDir string, lab *Lab, sandboxed, apiOnly bool, scratch int64, log io.Writer) *binary {
	b := &binary{
		path: filepath.Join(binDir, lab.Lab+".test"),
		dir:  filepath.Join(tree, lab.Package),
		pkg:  lab.Package,
	}
	fmt.Fprintf(log, "grade: building %s (go test -c %s)...\n", lab.Lab, lab.Package)
	start := time.Now()
	if apiOnly {
		// Only the tests that need nothing of the handout are built.
		b.err = gotest.CompileEnv(ctx, tree, lab.Package, b.path, compileEnv, slices.Concat(testBuildFlags, []string{"-tags", portedTag})...)
	} else {
		b.err = gotest.CompileEnv(ctx, tree, lab.Package, b.path, compileEnv, testBuildFlags...)
	}
	if b.err != nil && !apiOnly {
		fmt.Fprintf(log, "grade: %s: build failed; retrying with -tags %s\n", lab.Lab, portedTag)
		if err := gotest.CompileEnv(ctx, tree, lab.Package, b.path, compileEnv, slices.Concat(testBuildFlags, []string{"-tags", portedTag})...); err == nil {
			b.ported, b.err = b.err, nil
		}
	}
	if b.err != nil {
		fmt.Fprintf(log, "grade: %s: build failed; its tests score 0\n", lab.Lab)
		return b
	}
	if len(lab.Commands) > 0 {
		cmds := filepath.Join(binDir, lab.Lab+"-commands")
		if err := buildCommands(ctx, tree, cmds, lab.Commands); err != nil {
			// The tests that run them fail, saying the command is missing.
			fmt.Fprintf(log, "grade: %s: %v\n", lab.Lab, err)
		}
		b.env = append(b.env, labcmd.CommandsEnv+"="+cmds)
	}
	if sandboxed {
		b.sandbox = &gotest.Sandbox{ReadOnly: []string{tree}, Scratch: scratch}
		if len(lab.Commands) > 0 {
			b.sandbox.ReadOnly = append(b.sandbox.ReadOnly, filepath.Join(binDir, lab.Lab+"-commands"))
		}
	}
	fmt.Fprintf(log, "grade: built %s in %v\n", lab.Lab, time.Since(start).Round(100*time.Millisecond))
	// These run the package's init functions, which are the submission's:
	// bound them.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	b.seedFlag = gotest.SupportsFlag(ctx, b.sandbox, b.path, b.dir, "seed")
	b.watchdog = gotest.SupportsFlag(ctx, b.sandbox, b.path, b.dir, "watchdog=1s")
	if names, err := gotest.List(ctx, b.sandbox, b.path, b.dir); err == nil {
		b.tests = map[string]bool{}
		for _, n := range names {
			b.tests[n] = true
		}
	}
	return b
}

// progress counts finished rubric entries for the log.
type progress struct {
	mu          sync.Mutex
	log         io.Writer
	done, total int
}

func (p *progress) finished(o *Outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	result := "pass"
	if !o.Passed {
		result = o.Status + ": " + o.Reason
	}
	fmt.Fprintf(p.log, "grade: [%d/%d] %s %s: %s\n", p.done, p.total, o.Lab.Lab, o.Entry.Name, result)
}

// testState collects the seeds of one rubric entry.
type testState struct {
	mu        sync.Mutex
	outcome   *Outcome
	remaining int
	failed    bool
	seeds     int // how many seeds the test runs under
	// realtime: an earlier seed stopped virtual time on a mutex and passed
	// on the real clock, so the remaining seeds start there.
	realtime bool
	progress *progress
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
	for _, j := range jobs {
		if ctx.Err() != nil {
			break
		}
		ch <- j
	}
	close(ch)
	wg.Wait()
}

func runOne(ctx context.Context, cfg Config, j job) {
	st := j.state
	st.mu.Lock()
	skip, realtime := st.failed, st.realtime
	st.mu.Unlock()
	if skip {
		return
	}
	name := st.outcome.Entry.Name
	res := runSeed(ctx, cfg, j, realtime)
	if !realtime && res.Status != gotest.Pass && j.bin.watchdog && stoppedOnMutex(res) {
		// Code that holds a lock while it sleeps or waits is correct, but
		// it stops virtual time (synctest does not count a goroutine
		// waiting for a mutex as blocked). Such a test gets a second run on
		// the real clock, and the output says why.
		rt := runSeed(ctx, cfg, j, true)
		if rt.Status == gotest.Pass {
			rt.Output = realtimeNote + "\n\n" + rt.Output
			realtime = true
		} else {
			rt.Output = res.Output + "\n\n--- then on the real clock (-realtime):\n" + rt.Output
			// The first run's diagnosis (which goroutines wait for which
			// mutex) is what the student can act on; the rerun adds
			// only that the real clock did not help.
			rt.Reason = res.Reason + "; on the real clock too: " + rt.Reason
		}
		rt.Elapsed += res.Elapsed
		res = rt
	}
	res = checkReproducible(ctx, cfg, j, res, realtime)
	logPath, page := "", ""
	if res.Status != gotest.Pass {
		logPath = filepath.Join(cfg.OutDir, "logs", fmt.Sprintf("%s-%s-seed%d.log", st.outcome.Lab.Lab, name, j.seed))
		if err := writeLog(logPath, res.Output); err != nil {
			logPath = "(not saved: " + err.Error() + ")"
		}
		page = keepTimeline(artifactDir(cfg, j, realtime), name, strings.TrimSuffix(logPath, ".log")+".html")
	}

	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.outcome
	o.Elapsed += res.Elapsed
	o.Forged += res.Forged
	st.realtime = st.realtime || realtime
	st.remaining--
	if st.failed || ctx.Err() != nil {
		return
	}
	if res.Status != gotest.Pass {
		st.failed = true
		o.Status = string(res.Status)
		o.Reason = res.Reason
		if page != "" {
			o.Reason += " (timeline: " + page + ")"
		}
		o.Seed = j.seed
		o.LogPath = logPath
		o.Output = fmt.Sprintf("%s\n%s with seed %d; replay: %s\n\n%s", res.Reason, res.Status, j.seed,
			replayCommand(j.bin.pkg, name, j.seed), tail(stripNoise(res.Output), 8000))
		st.progress.finished(o)
		return
	}
	if st.remaining == 0 {
		// Every seed ran and passed: only now does the test earn its points
		// (an interrupted run leaves it at zero).
		o.Passed = true
		o.Status = "pass"
		clock := ""
		if st.realtime {
			clock = " (on the real clock: " + realtimeNote + ")"
		}
		o.Output = fmt.Sprintf("passed under %d seed(s)%s\n\n%s", st.seeds, clock, tail(stripNoise(res.Output), 4000))
		st.progress.finished(o)
	}
}

// realtimeNote tells a student why a test ran on the real clock.
const realtimeNote = "virtual time stopped because a goroutine waited for a mutex while its holder slept or waited; " +
	"the test was run again on the real clock (-realtime) and passed there. Release locks before sleeping or waiting to run in virtual time"

// runSeed runs one seed of j's test, in virtual time or on the real clock.
func runSeed(ctx context.Context, cfg Config, j job, realtime bool) gotest.Result {
	var args []string
	if j.bin.watchdog {
		args = []string{"-watchdog", (j.timeout * 9 / 10).String()}
		if realtime {
			args = append(args, "-realtime")
		}
	}
	cpu := cfg.CPULimit
	if cpu == 0 {
		cpu = j.timeout
	}
	envs := append([]string{leaksEnv + "=" + env(leaksEnv, "warn")}, j.bin.env...)
	// Files a failing test leaves for a human (porcupine's visualisation,
	// whose path its failure message names) go to a directory of their own
	// under OutDir, which outlives the run; an empty one is removed.
	name := j.state.outcome.Entry.Name
	art := artifactDir(cfg, j, realtime)
	if err := os.MkdirAll(art, 0o755); err != nil {
		art = ""
	} else {
		envs = append(envs, vizDirEnv+"="+art, timelineDirEnv+"="+art)
		defer os.Remove(art) // only if empty
	}
	return gotest.Run(ctx, gotest.Spec{
		Bin: j.bin.path, Dir: j.bin.dir, Test: name,
		Seed: j.seed, SeedFlag: j.bin.seedFlag, Timeout: j.timeout, Args: args,
		Verdict: true, MemLimit: cfg.MemLimit, CPULimit: cpu, Sandbox: j.bin.sandbox, Artifacts: art,
		// Leaked goroutines cost no points by default (contract 3): the
		// lab's dedicated Kill test grades that rule.
		Env: envs,
	})
}

// buildCommands builds the main packages cmds of tree into dir, outside
// any sandbox, as the test binaries are built (no cgo, our go.mod).
func buildCommands(ctx context.Context, tree, dir string, cmds []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("commands: %w", err)
	}
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, cmds...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), compileEnv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(cmds, " "), err, out)
	}
	return nil
}

// chooseIsolation decides whether tests run sandboxed, from mode (auto,
// require, none) and what the kernel allows, and describes the choice.
func chooseIsolation(mode string) (bool, string, error) {
	switch mode {
	case "", "auto", "require":
	case "none":
		return false, "none (ISOLATION=none)", nil
	default:
		return false, "", fmt.Errorf("ISOLATION=%s: want auto, require or none", mode)
	}
	if err := gotest.SandboxError(); err != nil {
		if mode == "require" {
			return false, "", fmt.Errorf("ISOLATION=require, but tests cannot be sandboxed here: %w", err)
		}
		return false, "none (" + err.Error() + ")", nil
	}
	if err := gotest.MemoryCgroupError(); err != nil {
		return true, "namespaces (no memory cgroup: " + err.Error() + "; memory held outside the test's processes is not counted)", nil
	}
	return true, "namespaces + memory cgroup", nil
}

// stoppedOnMutex reports whether the harness's own verdict on a failed run
// says its watchdog found virtual time stopped on a mutex (worded as
// labtest's MutexStallReason, in watch.go; not imported, as labtest
// registers test flags). The verdict line carries the run's nonce: words
// the code under test prints buy no second run.
func stoppedOnMutex(res gotest.Result) bool {
	return strings.HasPrefix(res.Harness, "watchdog: virtual time stopped") &&
		strings.HasSuffix(res.Harness, "; virtual time stopped on a mutex")
}

// stripNoise drops the testing package's interleaving markers, which say
// nothing to a reader of one test's output.
func stripNoise(out string) string {
	lines := strings.SplitAfter(out, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(l, "=== NAME") || strings.HasPrefix(l, "=== PAUSE") || strings.HasPrefix(l, "=== CONT") {
			continue
		}
		kept = append(kept, l)
	}
	return strings.Join(kept, "")
}

// testNumber is Gradescope's unique test number: part and position in
// the part ("2A.3"), or lab and position for labs without parts.
func testNumber(lab *Lab, e Entry) string {
	n := 1
	for _, prev := range lab.Tests {
		if prev.Name == e.Name {
			break
		}
		if prev.Part == e.Part {
			n++
		}
	}
	if e.Part == "" {
		return fmt.Sprintf("%s.%d", lab.Lab, n)
	}
	return fmt.Sprintf("%s.%d", e.Part, n)
}

// refuse is the report of a submission that is not graded: every test of
// the selection scores 0 with the reason.
func refuse(rubric *Rubric, cfg Config, msg string) *Report {
	rep := &Report{Refused: msg}
	for i := range rubric.Labs {
		lab := &rubric.Labs[i]
		if cfg.Lab != "" && lab.Lab != cfg.Lab {
			continue
		}
		for _, e := range selectTests(lab, cfg.Part) {
			rep.Outcomes = append(rep.Outcomes, &Outcome{Lab: lab, Entry: e, Status: "refused", Reason: msg, Output: msg, Number: testNumber(lab, e)})
		}
	}
	return rep
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// artifactDir is where one run of j's test leaves files for a human.
func artifactDir(cfg Config, j job, realtime bool) string {
	clock := ""
	if realtime {
		clock = "-realtime"
	}
	return filepath.Join(cfg.OutDir, "artifacts", fmt.Sprintf("%s-%s-seed%d%s", j.state.outcome.Lab.Lab, j.state.outcome.Entry.Name, j.seed, clock))
}

// keepTimeline moves the timeline page the failing test left in art to
// dest, next to its log, and returns dest ("" when there is none).
func keepTimeline(art, name, dest string) string {
	if err := os.Rename(filepath.Join(art, name+".html"), dest); err != nil {
		return ""
	}
	os.Remove(art) // only if empty
	return dest
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
