// Command grade runs the graded tests listed in test/rubric.yaml, each in its
// own process (one compiled test binary per package, one process per test and
// seed, under a real-time, memory and CPU-time limit), and scores each test
// from the process's exit status, the testing package's own pass event and
// the harness's verdict line (see test/internal/gotest).
//
// It prints a table per lab and part and "Score: X/Y", writes a Gradescope
// results.json, and exits 0 iff every graded test passed.
//
// Options are flags or, for make, environment variables:
//
//	LAB=raft PART=2B SEEDS=3 JOBS=2 TIMEOUT=60s RESULTS=out/results.json
//	SUBMISSION=dir   grade a copy of dir with our tests overlaid (a tree
//	                 without go.mod is a partial upload, laid over ours)
//	SUBMISSIONS=dir  batch: grade every subdirectory of dir (or every
//	                 directory a glob matches); one results.json each and
//	                 a CSV summary (submission,lab,score,max); exit 0 unless
//	                 a submission could not be graded at all
//	HIDDEN=dir       overlay dir's _test.go files (same layout as the repo) and merge dir/rubric.yaml
//	MEMLIMIT=2GiB    memory limit per test (address space per process,
//	                 resident memory summed over the test's processes)
//	CPULIMIT=120s    CPU time per test process (default: the test's time limit)
//	KEEP=1           keep the copied trees and test binaries (default: removed)
//	ISOLATION=auto   run each test process in a sandbox of Linux namespaces
//	                 (its own PID, mount, network and user namespaces; see
//	                 gotest.Sandbox); where the kernel refuses, grade without
//	                 and say "isolation: none" first. require: refuse to
//	                 grade without a sandbox. none: do not sandbox.
//	SCRATCH=1GiB     a sandboxed test's writable tmpfs at /tmp (memory too:
//	                 a test can hold MEMLIMIT resident plus SCRATCH in files)
//	RUBRIC=api       grade only the API tests (no handout RPC types needed:
//	                 ported course code) and scale each lab to full marks
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"distlabs/test/internal/tree"
)

func main() {
	os.Exit(run())
}

// options are the command's settings beyond Config.
type options struct {
	results     string // results.json (single submission)
	keep        bool
	submissions string // batch: directory or glob
	csv         string // batch summary path
}

func run() int {
	cfg, opt, err := parseConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if opt.submissions != "" {
		return batch(ctx, cfg, opt)
	}
	code := gradeOne(ctx, cfg, opt.results, opt.keep, os.Stdout)
	return code
}

// gradeOne grades cfg, prints the table and writes results.json: exit 0 if
// every test passed, 1 if not, 2 if grading itself failed.
func gradeOne(ctx context.Context, cfg Config, results string, keep bool, out *os.File) int {
	rep, err := Grade(ctx, cfg, os.Stderr)
	if err != nil && rep == nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	PrintTable(out, rep, cfg.Seeds)
	if werr := WriteResults(results, rep); werr != nil {
		fmt.Fprintln(os.Stderr, "grade:", werr)
		return 2
	}
	fmt.Fprintf(out, "results.json: %s\n", results)
	if !keep {
		// The binaries and copied trees are large; the logs stay.
		_ = os.RemoveAll(filepath.Join(cfg.OutDir, "bin"))
		_ = os.RemoveAll(filepath.Join(cfg.OutDir, "tree"))
	} else {
		fmt.Fprintf(out, "KEEP=1: tree and binaries kept in %s\n", cfg.OutDir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	if !rep.AllPassed() {
		return 1
	}
	return 0
}

// batch grades every submission of opt.submissions in turn. The go build
// cache shares the compiled course packages (labrpc, labtest, testify)
// between them: the trees are compiled with -trimpath, so identical
// packages have identical build keys whatever directory they are in.
func batch(ctx context.Context, cfg Config, opt options) int {
	subs, err := listSubmissions(opt.submissions)
	if err != nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	base := cfg.OutDir
	if opt.csv == "" {
		opt.csv = filepath.Join(base, "summary.csv")
	}
	var rows [][]string
	code := 0
	for i, sub := range subs {
		if ctx.Err() != nil {
			code = 2
			break
		}
		name := filepath.Base(sub)
		fmt.Fprintf(os.Stderr, "grade: submission %d/%d: %s\n", i+1, len(subs), name)
		c := cfg
		c.Submission = sub
		c.OutDir = filepath.Join(base, name)
		results := filepath.Join(c.OutDir, "results.json")
		rep, err := Grade(ctx, c, os.Stderr)
		if err != nil && rep == nil {
			fmt.Fprintf(os.Stderr, "grade: %s: %v\n", name, err)
			rows = append(rows, []string{name, "", "error", "", firstLine(err.Error())})
			code = 2
			continue
		}
		fmt.Printf("\n##### %s\n", name)
		PrintTable(os.Stdout, rep, c.Seeds)
		if err := WriteResults(results, rep); err != nil {
			fmt.Fprintln(os.Stderr, "grade:", err)
			code = 2
		}
		fmt.Printf("results.json: %s\n", results)
		rows = append(rows, summaryRows(name, rep)...)
		if !opt.keep {
			_ = os.RemoveAll(filepath.Join(c.OutDir, "bin"))
			_ = os.RemoveAll(filepath.Join(c.OutDir, "tree"))
		}
	}
	if err := writeCSV(opt.csv, rows); err != nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	fmt.Printf("\n##### summary\n")
	printSummary(os.Stdout, rows)
	fmt.Printf("\nsummary: %s (%d submission(s))\n", opt.csv, len(subs))
	return code
}

// listSubmissions expands a directory (its subdirectories) or a glob (the
// directories it matches), sorted.
func listSubmissions(spec string) ([]string, error) {
	var dirs []string
	if st, err := os.Stat(spec); err == nil && st.IsDir() {
		entries, err := os.ReadDir(spec)
		if err != nil {
			return nil, fmt.Errorf("SUBMISSIONS: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				dirs = append(dirs, filepath.Join(spec, e.Name()))
			}
		}
	} else {
		matches, err := filepath.Glob(spec)
		if err != nil {
			return nil, fmt.Errorf("SUBMISSIONS: %w", err)
		}
		for _, m := range matches {
			if st, err := os.Stat(m); err == nil && st.IsDir() {
				dirs = append(dirs, m)
			}
		}
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("SUBMISSIONS=%s: no submission directories", spec)
	}
	for i, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("SUBMISSIONS: %w", err)
		}
		dirs[i] = abs
	}
	sort.Strings(dirs)
	return dirs, nil
}

// summaryRows is one CSV row per lab of a report: submission, lab, score,
// max and a note (why the lab scored nothing, the refusal, or the number
// of TA flags).
func summaryRows(name string, rep *Report) [][]string {
	var labs []*Lab
	byLab := map[*Lab][]*Outcome{}
	for _, o := range rep.Outcomes {
		if _, ok := byLab[o.Lab]; !ok {
			labs = append(labs, o.Lab)
		}
		byLab[o.Lab] = append(byLab[o.Lab], o)
	}
	flags := ""
	if len(rep.Flags) > 0 {
		flags = fmt.Sprintf("%d TA flag(s)", len(rep.Flags))
	}
	var rows [][]string
	for _, lab := range labs {
		got, max := labScore(byLab[lab])
		if full, ok := rep.FullMarks[lab]; ok && max > 0 {
			got, max = math.Round(got*full/max*100)/100, full // RUBRIC=api
		}
		note := labFailure(byLab[lab])
		for _, extra := range []string{rep.Refused, flags} {
			if extra != "" && !strings.Contains(note, extra) {
				note = strings.TrimPrefix(note+"; "+extra, "; ")
			}
		}
		rows = append(rows, []string{name, lab.Lab, num(got), num(max), firstLine(note)})
	}
	return rows
}

// printSummary prints the batch's rows as one table.
func printSummary(w io.Writer, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SUBMISSION\tLAB\tSCORE\tNOTE")
	for _, r := range rows {
		score := r[2]
		if r[3] != "" {
			score += "/" + r[3]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], score, shorten(r[4], 100))
	}
	_ = tw.Flush() // only fails if stdout is gone
}

func writeCSV(path string, rows [][]string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"submission", "lab", "score", "max", "note"})
	_ = w.WriteAll(rows) // WriteAll flushes; its error is w.Error()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("summary: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	return nil
}

// env returns the environment variable name, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// parseBytes reads sizes such as 2GiB, 512M, 1G or a plain byte count.
func parseBytes(s string) (int64, error) {
	t := strings.TrimSuffix(strings.TrimSuffix(strings.ToUpper(strings.TrimSpace(s)), "B"), "I")
	mult := int64(1)
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, t[:len(t)-1]
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, t[:len(t)-1]
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, t[:len(t)-1]
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q (want e.g. 2GiB, 512MiB)", s)
	}
	return int64(n * float64(mult)), nil
}

func parseConfig() (Config, options, error) {
	var cfg Config
	var opt options
	root, err := tree.ModuleRoot(".")
	if err != nil {
		return cfg, opt, err
	}
	seeds, err := strconv.Atoi(env("SEEDS", "1"))
	if err != nil {
		return cfg, opt, fmt.Errorf("SEEDS: %w", err)
	}
	jobs, err := strconv.Atoi(env("JOBS", strconv.Itoa(runtime.NumCPU())))
	if err != nil {
		return cfg, opt, fmt.Errorf("JOBS: %w", err)
	}
	var timeout, cpu time.Duration
	if v := env("TIMEOUT", ""); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil {
			return cfg, opt, fmt.Errorf("TIMEOUT: %w", err)
		}
	}
	if v := env("CPULIMIT", ""); v != "" {
		if cpu, err = time.ParseDuration(v); err != nil {
			return cfg, opt, fmt.Errorf("CPULIMIT: %w", err)
		}
	}
	mem, err := parseBytes(env("MEMLIMIT", "2GiB"))
	if err != nil {
		return cfg, opt, fmt.Errorf("MEMLIMIT: %w", err)
	}
	scratch, err := parseBytes(env("SCRATCH", "1GiB"))
	if err != nil {
		return cfg, opt, fmt.Errorf("SCRATCH: %w", err)
	}
	flag.StringVar(&cfg.Root, "root", root, "module root holding the reference tests")
	flag.StringVar(&cfg.Rubric, "rubric", "", "rubric file (default ROOT/test/rubric.yaml)")
	flag.StringVar(&cfg.Lab, "lab", env("LAB", ""), "grade only this lab (LAB)")
	flag.StringVar(&cfg.Part, "part", env("PART", ""), "grade only this part (PART)")
	flag.IntVar(&cfg.Seeds, "seeds", seeds, "seeds per test; all must pass (SEEDS)")
	flag.StringVar(&cfg.Submission, "submission", env("SUBMISSION", ""), "grade a copy of this tree (SUBMISSION)")
	flag.StringVar(&opt.submissions, "submissions", env("SUBMISSIONS", ""), "batch: grade every directory in this directory or glob (SUBMISSIONS)")
	flag.StringVar(&opt.csv, "csv", env("CSV", ""), "batch summary CSV (CSV; default in the output directory)")
	flag.StringVar(&cfg.Hidden, "hidden", env("HIDDEN", ""), "overlay hidden tests from this tree (HIDDEN)")
	flag.IntVar(&cfg.Jobs, "jobs", jobs, "parallel test processes (JOBS)")
	flag.DurationVar(&cfg.Timeout, "timeout", timeout, "per-test time limit overriding the rubric (TIMEOUT)")
	flag.DurationVar(&cfg.CPULimit, "cpulimit", cpu, "CPU time per test process (CPULIMIT; default the time limit)")
	flag.Int64Var(&cfg.MemLimit, "memlimit", mem, "memory limit per test in bytes (MEMLIMIT, e.g. 2GiB)")
	flag.StringVar(&opt.results, "results", env("RESULTS", ""), "results.json path (RESULTS; default in a fresh temp dir)")
	flag.BoolVar(&opt.keep, "keep", env("KEEP", "") == "1", "keep the test binaries and copied trees (KEEP=1)")
	flag.Int64Var(&cfg.Scratch, "scratch", scratch, "writable tmpfs per sandboxed test in bytes (SCRATCH, e.g. 1GiB); the only place a test can write")
	flag.StringVar(&cfg.Isolation, "isolation", env("ISOLATION", "auto"),
		"auto: run each test in a namespace sandbox where the kernel allows it (else say isolation: none); require: refuse to grade without one; none (ISOLATION)")
	rubricMode := flag.String("rubric-mode", env("RUBRIC", "full"), "full: every graded test; api: only the tests that need nothing of our handout "+
		"(as for code written to the course's own skeleton), each lab's score scaled to its full marks (RUBRIC)")
	flag.Parse()
	switch *rubricMode {
	case "full":
	case "api":
		cfg.APIOnly = true
	default:
		return cfg, opt, fmt.Errorf("RUBRIC=%s: want full or api", *rubricMode)
	}
	if cfg.Rubric == "" {
		cfg.Rubric = filepath.Join(cfg.Root, "test", "rubric.yaml")
	}
	if cfg.Seeds < 1 || cfg.Jobs < 1 {
		return cfg, opt, fmt.Errorf("SEEDS and JOBS must be >= 1")
	}
	if cfg.Submission != "" && opt.submissions != "" {
		return cfg, opt, fmt.Errorf("give SUBMISSION or SUBMISSIONS, not both")
	}
	for _, p := range []*string{&cfg.Submission, &cfg.Hidden, &cfg.Root, &cfg.Rubric, &opt.csv, &opt.results} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return cfg, opt, fmt.Errorf("path: %w", err)
			}
		}
	}
	if cfg.OutDir, err = os.MkdirTemp("", "distlabs-grade-"); err != nil {
		return cfg, opt, fmt.Errorf("out dir: %w", err)
	}
	if opt.results == "" {
		opt.results = filepath.Join(cfg.OutDir, "results.json")
	}
	return cfg, opt, nil
}
