package labtest

import (
	"fmt"
	"syscall"
	"time"
)

// Begin prints the 6.824-style start line, e.g.
// "Test (2A): initial election ...", and starts the clocks Passed reports.
func (t *T) Begin(desc string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.begin = time.Now()
	t.cpuBegin = cpuTime()
	fmt.Printf("%s ...\n", desc)
	t.Step(desc)
}

// Passed prints the 6.824-style result line: virtual seconds since Begin,
// peers, RPCs, bytes and commands, then the real CPU seconds the process
// used meanwhile. Call it only if the test passed.
func (t *T) Passed(peers, rpcs int, bytes int64, cmds int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Failed() {
		return
	}
	elapsed := time.Since(t.begin).Seconds()
	cpu := (cpuTime() - t.cpuBegin).Seconds()
	fmt.Printf("  ... Passed --  %4.1f  %d %5d %7d %4d  (cpu %.2fs)\n", elapsed, peers, rpcs, bytes, cmds, cpu)
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
