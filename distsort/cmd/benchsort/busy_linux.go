package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// busy is the machine's CPU time in use when a timed run started
// (/proc/stat), so that the run can say how much of the machine other
// processes took meanwhile: a sort that shared its cores is slower, and
// its ratio means less.
type busy struct {
	start time.Duration
	ok    bool
}

// startBusy reads the machine's busy CPU time now.
func startBusy() busy {
	d, ok := busyTime()
	return busy{start: d, ok: ok}
}

// others returns ", other CPU Xs": the machine's busy time since b minus
// own, the run's own processes' CPU time; empty if it is not known.
func (b busy) others(own time.Duration) string {
	end, ok := busyTime()
	if !b.ok || !ok {
		return ""
	}
	return fmt.Sprintf(", other CPU meanwhile %.2fs", max(end-b.start-own, 0).Seconds())
}

// busyTime sums the non-idle fields of /proc/stat's cpu line (user, nice,
// system, irq, softirq, steal), counted in USER_HZ ticks of 10 ms.
func busyTime() (time.Duration, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true
}
