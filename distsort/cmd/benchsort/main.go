// Command benchsort benchmarks distsort: it generates data (1 GB by
// default) in a temporary directory, sorts it with N local netsort
// processes over TCP loopback, validates the result, then sorts the same
// data with the plain single-process baseline (read all, sort.Slice on keys,
// write) and prints wall time, MB/s and peak RSS of each, and their ratio.
// `make bench-sort` runs it.
//
// One run of either side varies by 2x on a shared or virtual machine (see
// distsort/README.md, "Performance"), so it runs -rounds rounds, each the
// distributed sort and then the baseline, and the speedup it reports is
// the ratio of the two sides' median wall times. Each run also prints the
// CPU time other processes used while it ran: a run that shared its cores
// says so.
//
// It also measures the machine's own limits in the same directory (memory
// copy, page-cache and disk read and write, loopback TCP) and prints where
// the distributed sort's CPU time went, phase by phase, beside them.
// Before the timed runs the inputs are flushed to disk: see flushInputs.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"

	"distlabs/distsort"
	"distlabs/distsort/internal/localrun"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchsort:", err)
		os.Exit(1)
	}
}

func run() error {
	size := flag.Int64("mb", 1000, "total data in MB (1 MB = 10,000 records)")
	n := flag.Int("n", 4, "number of server processes")
	split := flag.String("split", "equal", "equal or sample")
	dirFlag := flag.String("dir", "", "parent directory for the data (default: $TMPDIR)")
	baseline := flag.Bool("baseline", true, "also run the single-process baseline")
	meter := flag.Bool("meter", true, "meter the servers' phases (netsort -stats) and print the per-phase table")
	measure := flag.Bool("limits", true, "measure the machine's limits first")
	rounds := flag.Int("rounds", 3, "timed rounds, each the distributed sort then the baseline; the speedup is the ratio of the medians")
	flag.Parse()
	if *rounds < 1 || *n < 1 || *size < 1 {
		return fmt.Errorf("-rounds, -n and -mb must be at least 1")
	}

	records := *size * 1e6 / distsort.RecordSize
	perServer := records / int64(*n)
	records = perServer * int64(*n)
	bytes := records * distsort.RecordSize

	dir, err := os.MkdirTemp(*dirFlag, "benchsort-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Inputs, outputs and the baseline's output live at once.
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("statfs %s: %w", dir, err)
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < 3*bytes+bytes/2 {
		return fmt.Errorf("%s has %d MB free; need %d MB", dir, free>>20, (3*bytes+bytes/2)>>20)
	}

	fmt.Printf("building netsort ...\n")
	bin, err := localrun.BuildNetsort(dir)
	if err != nil {
		return err
	}

	fmt.Printf("generating %d records (%.0f MB) in %d inputs under %s ...\n", records, float64(bytes)/1e6, *n, dir)
	t0 := time.Now()
	c := &localrun.Cluster{Bin: bin, Config: filepath.Join(dir, "cluster.yaml"), Flags: []string{"-split=" + *split, "-v"}}
	for i := range *n {
		in := filepath.Join(dir, fmt.Sprintf("input-%d", i))
		opts := distsort.GenOptions{Records: perServer, Seed: uint64(i + 1), FirstRow: uint64(i) * uint64(perServer)}
		if err := distsort.GenerateFile(in, opts); err != nil {
			return err
		}
		c.Inputs = append(c.Inputs, in)
		c.Outputs = append(c.Outputs, filepath.Join(dir, fmt.Sprintf("output-%d", i)))
	}
	fmt.Printf("generated in %v\n", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := flushInputs(c.Inputs); err != nil {
		return err
	}
	fmt.Printf("inputs flushed to disk in %v\n\n", time.Since(t0).Round(time.Millisecond))

	var lim limits
	if *measure {
		if lim, err = measureLimits(dir); err != nil {
			return err
		}
		lim.print()
	}
	if *meter {
		c.StatsDir = dir
	}
	mb := float64(bytes) / 1e6
	var dist, base []time.Duration
	for r := 1; r <= *rounds; r++ {
		if *rounds > 1 {
			fmt.Printf("--- round %d of %d\n", r, *rounds)
		}
		// Every round is metered alike; the phase table is printed for
		// the first only: it is the same sort each time.
		wall, err := runDistributed(c, mb, *meter && r == 1, lim)
		if err != nil {
			return err
		}
		dist = append(dist, wall)
		if !*baseline {
			continue
		}
		bwall, err := runBaseline(bin, c.Inputs, filepath.Join(dir, "baseline-output"), mb)
		if err != nil {
			return err
		}
		base = append(base, bwall)
		fmt.Printf("round %d: distributed is %.1fx the baseline (%.2fs vs %.2fs)\n\n", r, bwall.Seconds()/wall.Seconds(), wall.Seconds(), bwall.Seconds())
	}
	if !*baseline {
		return nil
	}
	dm, bm := median(dist), median(base)
	fmt.Printf("speedup: distributed is %.1fx the baseline (medians of %d rounds: %.2fs vs %.2fs; distributed %.2f-%.2fs, baseline %.2f-%.2fs) on %d cores\n",
		bm.Seconds()/dm.Seconds(), len(dist), dm.Seconds(), bm.Seconds(),
		slices.Min(dist).Seconds(), slices.Max(dist).Seconds(), slices.Min(base).Seconds(), slices.Max(base).Seconds(), runtime.NumCPU())
	return nil
}

// runDistributed sorts c's inputs with its netsort processes, prints each
// process's figures (and the phase table if table), validates the outputs
// and removes them, making room for the next run. It returns the wall time.
func runDistributed(c *localrun.Cluster, mb float64, table bool, lim limits) (time.Duration, error) {
	printDirty()
	busy := startBusy()
	procs, wall, err := c.Run(context.Background())
	for _, p := range procs {
		fmt.Print("  ", p.Stderr)
	}
	if err != nil {
		return 0, err
	}
	var own time.Duration
	for _, p := range procs {
		own += p.CPU
	}
	fmt.Printf("distributed: %d processes, wall %.2fs, %.0f MB/s%s\n", len(procs), wall.Seconds(), mb/wall.Seconds(), busy.others(own))
	for _, p := range procs {
		fmt.Printf("  server %d: exited at %.2fs, CPU %.2fs, peak RSS %d MB\n", p.ID, p.Wall.Seconds(), p.CPU.Seconds(), p.MaxRSS>>20)
	}
	if table && c.StatsDir != "" {
		printPhases(procs, wall, lim)
	}
	t1 := time.Now()
	rep, err := distsort.Validate(c.Inputs, c.Outputs)
	if err != nil {
		return 0, err
	}
	fmt.Printf("validated in %v: %v, imbalance %.3f\n", time.Since(t1).Round(time.Millisecond), rep.Outputs, rep.Imbalance())
	for _, o := range c.Outputs {
		if err := os.Remove(o); err != nil {
			return 0, fmt.Errorf("remove output: %w", err)
		}
	}
	return wall, nil
}

// runBaseline sorts inputs with the single-process baseline of the netsort
// binary bin into out, prints its figures, validates and removes out. It
// returns the wall time.
func runBaseline(bin string, inputs []string, out string, mb float64) (time.Duration, error) {
	cmd := exec.Command(bin, append([]string{"baseline", "-o", out}, inputs...)...)
	cmd.Stderr = os.Stderr
	printDirty()
	busy := startBusy()
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	wall := time.Since(t0)
	var rss int64
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	fmt.Printf("baseline: 1 process (read all, sort.Slice on keys, write), wall %.2fs, %.0f MB/s, CPU %.2fs, peak RSS %d MB%s\n",
		wall.Seconds(), mb/wall.Seconds(), cpu.Seconds(), rss>>20, busy.others(cpu))
	if _, err := distsort.Validate(inputs, []string{out}); err != nil {
		return 0, fmt.Errorf("baseline output: %w", err)
	}
	if err := os.Remove(out); err != nil {
		return 0, fmt.Errorf("remove baseline output: %w", err)
	}
	return wall, nil
}

// median returns the middle of ds (the lower middle of an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}
