// Command stress runs a package's tests under many seeds in parallel, to find
// the failure that shows up once in 200 runs:
//
//	make stress PKG=raft RUN=2B N=500 JOBS=2
//	go run ./test/stress -pkg raft -run 2B -n 500 -jobs 2
//
// The test binary is compiled once; seeds START..START+N-1 (START defaults
// to 1) run as separate processes, each with a real-time limit (TIMEOUT).
// A progress line is kept up to date; the outputs of failing runs are kept
// in a temp directory, and every failing seed is printed with the command
// that replays it. RACE=1 builds the binary with the race detector.
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

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	n, err := strconv.Atoi(envOr(name, strconv.Itoa(def)))
	if err != nil {
		fmt.Fprintf(os.Stderr, "stress: %s: %v\n", name, err)
		os.Exit(2)
	}
	return n
}

func main() {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}
	timeout, err := time.ParseDuration(envOr("TIMEOUT", "10m"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress: TIMEOUT:", err)
		os.Exit(2)
	}
	cfg := Config{Root: root, Progress: os.Stderr, Every: 10 * time.Second}
	flag.StringVar(&cfg.Pkg, "pkg", os.Getenv("PKG"), "package to stress, e.g. raft (PKG)")
	flag.StringVar(&cfg.Run, "run", envOr("RUN", "."), "-run pattern, e.g. 2B (RUN)")
	flag.IntVar(&cfg.N, "n", envInt("N", 100), "number of seeds (N)")
	flag.Int64Var(&cfg.Start, "start", int64(envInt("START", 1)), "first seed (START)")
	flag.IntVar(&cfg.Jobs, "jobs", envInt("JOBS", runtime.NumCPU()), "parallel runs (JOBS)")
	flag.DurationVar(&cfg.Timeout, "timeout", timeout, "real-time limit per run (TIMEOUT)")
	flag.BoolVar(&cfg.Race, "race", os.Getenv("RACE") != "" && os.Getenv("RACE") != "0", "build with the race detector (RACE=1)")
	flag.Parse()
	if cfg.Pkg == "" || cfg.N < 1 || cfg.Jobs < 1 {
		fmt.Fprintln(os.Stderr, "stress: usage: make stress PKG=raft RUN=2B N=500 [JOBS=2 START=1 TIMEOUT=10m RACE=1]")
		os.Exit(2)
	}
	// A package in its own module (such as the fixture under
	// test/stress/testdata/flaky) is built from that module's root.
	pkgDir := filepath.Join(root, normPkg(cfg.Pkg))
	if modRoot, err := tree.ModuleRoot(pkgDir); err == nil && modRoot != root {
		rel, err := filepath.Rel(modRoot, pkgDir)
		if err == nil {
			cfg.Root, cfg.Pkg = modRoot, normPkg(filepath.ToSlash(rel))
			if cfg.ReplayDir, err = filepath.Rel(root, modRoot); err != nil {
				cfg.ReplayDir = modRoot
			}
		}
	}
	if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
		cfg.TTY = true
	}
	if cfg.OutDir, err = os.MkdirTemp("", "distlabs-stress-"); err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	sum, err := Stress(ctx, cfg)
	if sum != nil {
		sum.Print(os.Stdout, cfg.OutDir)
		if len(sum.Failures) == 0 {
			// Nothing worth keeping.
			_ = os.RemoveAll(cfg.OutDir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(2)
	}
	if len(sum.Failures) > 0 {
		os.Exit(1)
	}
}
