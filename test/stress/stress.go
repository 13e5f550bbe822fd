package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"distlabs/test/internal/gotest"
)

// Config holds the stress options.
type Config struct {
	Root    string // module root
	Pkg     string // package to test, e.g. ./raft
	Run     string // -run pattern, e.g. 2B
	N       int    // number of seeds
	Start   int64  // first seed; seeds are Start .. Start+N-1
	Jobs    int
	Race    bool          // build with the race detector
	Timeout time.Duration // per run, real time
	OutDir  string        // failing outputs are kept here
	// ReplayDir, if set, is where the replay commands must run (a package
	// in a module of its own): they become "cd ReplayDir && go test ...".
	ReplayDir string
	Progress  io.Writer
	TTY       bool          // redraw one progress line with \r
	Every     time.Duration // progress period when not on a TTY
}

// Failure is one failing seed.
type Failure struct {
	Seed   int64
	Status gotest.Status
	Reason string
	// Tests are the top-level tests that failed (or, if the process died
	// without saying, the one that was running), when RUN matched several.
	Tests   []string
	LogPath string
	Replay  string
}

// Summary is the result of a stress run.
type Summary struct {
	Runs     int
	Failures []Failure
	Elapsed  time.Duration
}

// normPkg makes "raft" into "./raft" so the go command sees a directory.
func normPkg(p string) string {
	if p == "" || p == "." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || filepath.IsAbs(p) {
		return p
	}
	return "./" + p
}

// Stress compiles cfg.Pkg's test binary once and runs the tests matching
// cfg.Run under N seeds on cfg.Jobs parallel processes.
func Stress(ctx context.Context, cfg Config) (*Summary, error) {
	pkg := normPkg(cfg.Pkg)
	bin := filepath.Join(cfg.OutDir, "pkg.test")
	var flags []string
	if cfg.Race {
		flags = append(flags, "-race")
	}
	if err := gotest.Compile(ctx, cfg.Root, pkg, bin, flags...); err != nil {
		return nil, err
	}
	defer os.Remove(bin)
	dir := filepath.Join(cfg.Root, pkg)
	seedFlag := gotest.SupportsFlag(ctx, nil, bin, dir, "seed")

	start := time.Now()
	sum := &Summary{}
	var mu sync.Mutex
	done, running := 0, 0

	progress := func(final bool) {
		mu.Lock()
		line := fmt.Sprintf("stress %s -run '%s': %d/%d done, %d failed, %d running, %v elapsed",
			pkg, cfg.Run, done, cfg.N, len(sum.Failures), running, time.Since(start).Round(time.Second))
		mu.Unlock()
		switch {
		case cfg.TTY && final:
			fmt.Fprintf(cfg.Progress, "\r%s\033[K\n", line)
		case cfg.TTY:
			fmt.Fprintf(cfg.Progress, "\r%s\033[K", line)
		default:
			fmt.Fprintln(cfg.Progress, line)
		}
	}
	stopProgress := make(chan struct{})
	var pwg sync.WaitGroup
	pwg.Go(func() {
		period := cfg.Every
		if cfg.TTY {
			period = 250 * time.Millisecond
		}
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				progress(false)
			case <-stopProgress:
				return
			}
		}
	})

	seeds := make(chan int64)
	var wg sync.WaitGroup
	for range cfg.Jobs {
		wg.Go(func() {
			for seed := range seeds {
				mu.Lock()
				running++
				mu.Unlock()
				res := gotest.Run(ctx, gotest.Spec{Bin: bin, Dir: dir, Run: cfg.Run, Seed: seed, SeedFlag: seedFlag, Timeout: cfg.Timeout})
				var f *Failure
				if res.Status != gotest.Pass && ctx.Err() == nil {
					f = &Failure{Seed: seed, Status: res.Status, Reason: res.Reason, Tests: failingTests(res.Output)}
					run := cfg.Run
					if len(f.Tests) == 1 {
						run = "^" + f.Tests[0] + "$" // replay only the test that failed
					}
					f.Replay = replay(cfg.ReplayDir, pkg, run, seed, seedFlag)
					f.LogPath = filepath.Join(cfg.OutDir, fmt.Sprintf("seed-%d.log", seed))
					text := fmt.Sprintf("# %s (%s)\n# replay: %s\n\n%s", res.Status, res.Reason, f.Replay, res.Output)
					if err := os.WriteFile(f.LogPath, []byte(text), 0o644); err != nil {
						f.LogPath = "(not saved: " + err.Error() + ")"
					}
				}
				mu.Lock()
				running--
				if ctx.Err() == nil {
					done++
				}
				if f != nil {
					sum.Failures = append(sum.Failures, *f)
				}
				mu.Unlock()
			}
		})
	}
feed:
	for i := range cfg.N {
		select {
		case seeds <- cfg.Start + int64(i):
		case <-ctx.Done():
			break feed
		}
	}
	close(seeds)
	wg.Wait()
	close(stopProgress)
	pwg.Wait()
	progress(true)

	sum.Runs = done
	sum.Elapsed = time.Since(start)
	slices.SortFunc(sum.Failures, func(a, b Failure) int { return int(a.Seed - b.Seed) })
	if err := ctx.Err(); err != nil {
		return sum, fmt.Errorf("stress interrupted after %d runs: %w", done, err)
	}
	return sum, nil
}

// replay is the command that reruns one seed.
func replay(dir, pkg, run string, seed int64, seedFlag bool) string {
	cmd := fmt.Sprintf("%s=%d go test %s -run '%s'", gotest.SeedEnv, seed, pkg, run)
	if seedFlag {
		cmd = fmt.Sprintf("go test %s -run '%s' -seed %d", pkg, run, seed)
	}
	if dir != "" {
		cmd = "cd " + dir + " && " + cmd
	}
	return cmd
}

// Print reports the failing seeds with their logs and replay commands.
func (s *Summary) Print(w io.Writer, outDir string) {
	if len(s.Failures) == 0 {
		fmt.Fprintf(w, "stress: all %d runs passed (%v)\n", s.Runs, s.Elapsed.Round(time.Second))
		return
	}
	fmt.Fprintf(w, "stress: %d of %d runs FAILED; outputs kept in %s\n", len(s.Failures), s.Runs, outDir)
	for _, f := range s.Failures {
		tests := ""
		if len(f.Tests) > 0 {
			tests = " " + strings.Join(f.Tests, ", ")
		}
		fmt.Fprintf(w, "  seed %d%s: %s (%s)\n    log:    %s\n    replay: %s\n", f.Seed, tests, f.Status, f.Reason, f.LogPath, f.Replay)
	}
}

var (
	failRE = regexp.MustCompile(`(?m)^--- FAIL: (\S+)`)
	runRE  = regexp.MustCompile(`(?m)^=== RUN\s+(\S+)\s*$`)
	passRE = regexp.MustCompile(`(?m)^--- (?:PASS|SKIP): (\S+)`)
)

// failingTests names the top-level tests a run's output reports failed;
// if it reports none (the process was killed, or exited mid-test), the
// top-level tests that started and never ended.
func failingTests(output string) []string {
	var out []string
	add := func(name string) {
		if name = strings.SplitN(name, "/", 2)[0]; !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, m := range failRE.FindAllStringSubmatch(output, -1) {
		add(m[1])
	}
	if len(out) > 0 {
		return out
	}
	ended := map[string]bool{}
	for _, m := range passRE.FindAllStringSubmatch(output, -1) {
		ended[m[1]] = true
	}
	for _, m := range runRE.FindAllStringSubmatch(output, -1) {
		if !strings.Contains(m[1], "/") && !ended[m[1]] {
			add(m[1])
		}
	}
	return out
}
