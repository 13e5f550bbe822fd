// Command grade runs the graded tests listed in test/rubric.yaml, each in its
// own process (one compiled test binary per package, one process per test and
// seed, with a real-time limit), and scores each test from the process's exit
// status and the testing package's own pass event.
//
// It prints a table per lab and part and "Score: X/Y", writes a Gradescope
// results.json, and exits 0 iff every graded test passed.
//
// Options are flags or, for make, environment variables:
//
//	LAB=raft PART=2B SEEDS=3 JOBS=2 TIMEOUT=60s RESULTS=out/results.json
//	SUBMISSION=dir  grade a copy of dir with our tests overlaid
//	HIDDEN=dir      overlay dir's _test.go files (same layout as the repo) and merge dir/rubric.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"distlabs/test/internal/tree"
)

func main() {
	os.Exit(run())
}

func run() int {
	cfg, results, keep, err := parseConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep, err := Grade(ctx, cfg, os.Stderr)
	if err != nil && rep == nil {
		fmt.Fprintln(os.Stderr, "grade:", err)
		return 2
	}
	PrintTable(os.Stdout, rep, cfg.Seeds)
	if werr := WriteResults(results, rep); werr != nil {
		fmt.Fprintln(os.Stderr, "grade:", werr)
		return 2
	}
	fmt.Printf("results.json: %s\n", results)
	if !keep {
		// The binaries and copied trees are large; the logs stay.
		_ = os.RemoveAll(filepath.Join(cfg.OutDir, "bin"))
		_ = os.RemoveAll(filepath.Join(cfg.OutDir, "tree"))
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

// env returns the environment variable name, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func parseConfig() (Config, string, bool, error) {
	var cfg Config
	root, err := tree.ModuleRoot(".")
	if err != nil {
		return cfg, "", false, err
	}
	seeds, err := strconv.Atoi(env("SEEDS", "1"))
	if err != nil {
		return cfg, "", false, fmt.Errorf("SEEDS: %w", err)
	}
	jobs, err := strconv.Atoi(env("JOBS", strconv.Itoa(runtime.NumCPU())))
	if err != nil {
		return cfg, "", false, fmt.Errorf("JOBS: %w", err)
	}
	var timeout time.Duration
	if v := env("TIMEOUT", ""); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil {
			return cfg, "", false, fmt.Errorf("TIMEOUT: %w", err)
		}
	}
	var results string
	var keep bool
	flag.StringVar(&cfg.Root, "root", root, "module root holding the reference tests")
	flag.StringVar(&cfg.Rubric, "rubric", "", "rubric file (default ROOT/test/rubric.yaml)")
	flag.StringVar(&cfg.Lab, "lab", env("LAB", ""), "grade only this lab (LAB)")
	flag.StringVar(&cfg.Part, "part", env("PART", ""), "grade only this part (PART)")
	flag.IntVar(&cfg.Seeds, "seeds", seeds, "seeds per test; all must pass (SEEDS)")
	flag.StringVar(&cfg.Submission, "submission", env("SUBMISSION", ""), "grade a copy of this tree (SUBMISSION)")
	flag.StringVar(&cfg.Hidden, "hidden", env("HIDDEN", ""), "overlay hidden tests from this tree (HIDDEN)")
	flag.IntVar(&cfg.Jobs, "jobs", jobs, "parallel test processes (JOBS)")
	flag.DurationVar(&cfg.Timeout, "timeout", timeout, "per-test time limit overriding the rubric (TIMEOUT)")
	flag.StringVar(&results, "results", env("RESULTS", ""), "results.json path (RESULTS; default in a fresh temp dir)")
	flag.BoolVar(&keep, "keep", false, "keep the test binaries and copied tree")
	flag.Parse()
	if cfg.Rubric == "" {
		cfg.Rubric = filepath.Join(cfg.Root, "test", "rubric.yaml")
	}
	if cfg.Seeds < 1 || cfg.Jobs < 1 {
		return cfg, "", false, fmt.Errorf("SEEDS and JOBS must be >= 1")
	}
	for _, p := range []*string{&cfg.Submission, &cfg.Hidden, &cfg.Root, &cfg.Rubric} {
		if *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return cfg, "", false, fmt.Errorf("path: %w", err)
			}
		}
	}
	if cfg.OutDir, err = os.MkdirTemp("", "distlabs-grade-"); err != nil {
		return cfg, "", false, fmt.Errorf("out dir: %w", err)
	}
	if results == "" {
		results = filepath.Join(cfg.OutDir, "results.json")
	}
	return cfg, results, keep, nil
}
