package main

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"distlabs/distsort"
	"distlabs/distsort/internal/localrun"
)

// flushInputs writes the generated inputs to disk. Unflushed, they are
// dirty page cache that the kernel writes back whenever it crosses its
// threshold, quite possibly during the 2-second distributed run, whose
// cores its flusher threads then share: measured on the 2-core benchmark
// machine, with 1.5 GB dirty at the start the same sort took 3.5 s
// instead of 1.9 s. The writeback is the generator's cost, not the
// sort's, so both timed runs start from clean inputs in the page cache.
func flushInputs(names []string) error {
	for _, name := range names {
		f, err := os.OpenFile(name, os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("flush input: %w", err)
		}
		err = f.Sync()
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("flush input: %w", err)
		}
	}
	return nil
}

// printDirty prints how much of the page cache waits for writeback as a
// timed run starts (other processes' writes count too): a run that starts
// with gigabytes of it shares the cores with the kernel's flusher.
func printDirty() {
	if mb, ok := dirtyMB(); ok {
		fmt.Printf("(dirty page cache at start: %.0f MB)\n", mb)
	}
}

// print prints the machine's limits.
func (l limits) print() {
	fmt.Printf("machine limits (MB/s, %d MB each, one core): memory copy %.0f, first touch of new memory %.0f; page cache write %.0f, read %.0f; disk write+fdatasync %.0f, read %s; loopback TCP %.0f (one connection)\n\n",
		limitMB, l.memcpy, l.freshMem, l.cacheWrite, l.cacheRead, l.diskWrite, orDash(l.diskRead), l.loopback)
}

func orDash(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

// printPhases prints the servers' phases summed over the servers: CPU
// time, bytes, bytes per CPU-second, and the machine limit the phase is
// bounded by.
func printPhases(procs []localrun.Proc, wall time.Duration, l limits) {
	var sum distsort.Phases
	var cpu time.Duration
	for _, p := range procs {
		cpu += p.CPU
		if p.Result == nil {
			continue
		}
		ph := p.Result.Phases
		for i, s := range phaseStats(&sum) {
			o := phaseStats(&ph)[i]
			s.CPU += o.CPU
			s.Wall += o.Wall
			s.Bytes += o.Bytes
		}
	}
	names := []string{"read", "partition", "send", "receive", "bin", "sort", "write", "spill", "merge", "fsync", "rename"}
	refs := []string{
		fmt.Sprintf("page cache read %.0f", l.cacheRead),
		fmt.Sprintf("memory copy %.0f", l.memcpy),
		fmt.Sprintf("loopback TCP %.0f", l.loopback),
		fmt.Sprintf("loopback TCP %.0f", l.loopback),
		fmt.Sprintf("memory copy %.0f into new memory %.0f", l.memcpy, l.freshMem),
		fmt.Sprintf("memory copy %.0f", l.memcpy),
		fmt.Sprintf("page cache write %.0f", l.cacheWrite),
		fmt.Sprintf("page cache write %.0f", l.cacheWrite),
		fmt.Sprintf("page cache read %.0f", l.cacheRead),
		fmt.Sprintf("disk write %.0f", l.diskWrite),
		"",
	}
	fmt.Printf("\nper phase, summed over the %d servers (CPU: the phase's threads' CPU time, user+system; exchange phases run at once):\n", len(procs))
	fmt.Printf("  %-10s %7s %6s %8s %10s  %s\n", "phase", "CPU s", "share", "MB", "MB/CPU-s", "machine limit, MB/s (one core)")
	var metered time.Duration
	for i, s := range phaseStats(&sum) {
		metered += s.CPU
		if s.CPU == 0 && s.Bytes == 0 && s.Wall == 0 {
			continue
		}
		rate := "-"
		if s.CPU > 0 && s.Bytes > 0 {
			rate = fmt.Sprintf("%.0f", float64(s.Bytes)/1e6/s.CPU.Seconds())
		}
		extra := refs[i]
		if s.Wall > 0 {
			extra = fmt.Sprintf("wall %.3fs; %s", s.Wall.Seconds(), extra)
		}
		fmt.Printf("  %-10s %7.2f %5.0f%% %8.0f %10s  %s\n", names[i], s.CPU.Seconds(), share(s.CPU, cpu), float64(s.Bytes)/1e6, rate, extra)
	}
	if metered == 0 {
		fmt.Println("  (the servers reported no phases: Result.Phases is optional)")
		return
	}
	fmt.Printf("  %-10s %7.2f %5.0f%%  (connect, commit, runtime and GC)\n", "other", (cpu - metered).Seconds(), share(cpu-metered, cpu))
	fmt.Printf("  %-10s %7.2f        of %.2f CPU-s the %d cores offer in the %.2fs wall\n", "total", cpu.Seconds(),
		float64(runtime.NumCPU())*wall.Seconds(), runtime.NumCPU(), wall.Seconds())
}

func share(d, total time.Duration) float64 {
	if total == 0 {
		return 0
	}
	return 100 * d.Seconds() / total.Seconds()
}

// phaseStats lists the fields of p in the order printPhases names them.
func phaseStats(p *distsort.Phases) []*distsort.PhaseStat {
	return []*distsort.PhaseStat{&p.Read, &p.Partition, &p.Send, &p.Receive, &p.Bin, &p.Sort, &p.Write, &p.Spill, &p.Merge, &p.Fsync, &p.Rename}
}
