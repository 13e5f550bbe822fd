// Command benchsort benchmarks distsort: it generates data (1 GB by
// default) in a temporary directory, sorts it with N local netsort
// processes over TCP loopback, validates the result, then sorts the same
// data with the plain single-process baseline (read all, sort.Slice on keys,
// write) and prints wall time, MB/s and peak RSS of each, and their ratio.
// `make bench-sort` runs it.
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
	flag.Parse()

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

	printDirty()
	procs, wall, err := c.Run(context.Background())
	for _, p := range procs {
		fmt.Print("  ", p.Stderr)
	}
	if err != nil {
		return err
	}
	mb := float64(bytes) / 1e6
	fmt.Printf("distributed: %d processes, wall %.2fs, %.0f MB/s\n", *n, wall.Seconds(), mb/wall.Seconds())
	for _, p := range procs {
		fmt.Printf("  server %d: exited at %.2fs, CPU %.2fs, peak RSS %d MB\n", p.ID, p.Wall.Seconds(), p.CPU.Seconds(), p.MaxRSS>>20)
	}
	if *meter {
		printPhases(procs, wall, lim)
	}
	t1 := time.Now()
	rep, err := distsort.Validate(c.Inputs, c.Outputs)
	if err != nil {
		return err
	}
	fmt.Printf("validated in %v: %v, imbalance %.3f\n\n", time.Since(t1).Round(time.Millisecond), rep.Outputs, rep.Imbalance())
	for _, o := range c.Outputs {
		_ = os.Remove(o) // make room for the baseline's output
	}
	if !*baseline {
		return nil
	}

	out := filepath.Join(dir, "baseline-output")
	cmd := exec.Command(bin, append([]string{"baseline", "-o", out}, c.Inputs...)...)
	cmd.Stderr = os.Stderr
	printDirty()
	t2 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	bwall := time.Since(t2)
	var rss int64
	var cpu time.Duration
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	fmt.Printf("baseline: 1 process (read all, sort.Slice on keys, write), wall %.2fs, %.0f MB/s, CPU %.2fs, peak RSS %d MB\n",
		bwall.Seconds(), mb/bwall.Seconds(), cpu.Seconds(), rss>>20)
	if _, err := distsort.Validate(c.Inputs, []string{out}); err != nil {
		return fmt.Errorf("baseline output: %w", err)
	}
	fmt.Printf("\nspeedup: distributed is %.1fx the baseline (%.2fs vs %.2fs) on %d cores\n",
		bwall.Seconds()/wall.Seconds(), wall.Seconds(), bwall.Seconds(), runtime.NumCPU())
	return nil
}
