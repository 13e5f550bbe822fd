//solution:file

package distsort

import (
	"runtime"
	"sync/atomic"
	"time"
)

// meter accumulates one phase's CPU time and bytes over the goroutines
// that work in it.
type meter struct{ cpu, wall, bytes atomic.Int64 }

// add counts n bytes moved by the phase: an atomic add per batch or bin,
// cheap enough to do whether or not the clocks run.
func (m *meter) add(n int) { m.bytes.Add(int64(n)) }

// stat returns what m accumulated.
func (m *meter) stat() PhaseStat {
	return PhaseStat{CPU: time.Duration(m.cpu.Load()), Wall: time.Duration(m.wall.Load()), Bytes: m.bytes.Load()}
}

// meters holds a server's meters, one per phase (see Phases); the clocks
// run only when on (Config.Meter).
type meters struct {
	read, partition, send, receive, bin, sort, write, spill, merge, fsync, rename meter

	on bool
}

// phases returns the totals as a Phases.
func (ms *meters) phases() Phases {
	return Phases{
		Read: ms.read.stat(), Partition: ms.partition.stat(), Send: ms.send.stat(),
		Receive: ms.receive.stat(), Bin: ms.bin.stat(), Sort: ms.sort.stat(),
		Write: ms.write.stat(), Spill: ms.spill.stat(), Merge: ms.merge.stat(),
		Fsync: ms.fsync.stat(), Rename: ms.rename.stat(),
	}
}

// clock charges one goroutine's CPU time to the phase it is in. While it
// runs the goroutine is locked to its thread: the per-thread CPU clock
// then measures this goroutine alone, and time it spends blocked (on a
// peer, a channel, the sink's lock) costs no CPU and is not charged. The
// zero clock (metering off) does nothing.
type clock struct {
	on   bool
	last int64 // thread CPU time at the last switch
	cur  *meter
}

// startClock starts charging the calling goroutine's CPU time to m, one
// of ms's meters; with metering off the clock does nothing.
func (ms *meters) startClock(m *meter) clock {
	if !ms.on {
		return clock{}
	}
	runtime.LockOSThread()
	return clock{on: true, last: threadCPU(), cur: m}
}

// to charges the CPU time since the last switch to the current phase and
// makes m current.
func (c *clock) to(m *meter) {
	if !c.on {
		return
	}
	now := threadCPU()
	c.cur.cpu.Add(now - c.last)
	c.last, c.cur = now, m
}

// stop charges the rest to the current phase and unlocks the thread.
func (c *clock) stop() {
	if !c.on {
		return
	}
	c.to(c.cur)
	c.on = false
	runtime.UnlockOSThread()
}

// timeWall runs f, adding its CPU and elapsed time to m, one of ms's
// meters, when metering is on.
func (ms *meters) timeWall(m *meter, f func() error) error {
	if !ms.on {
		return f()
	}
	t0 := time.Now()
	c := ms.startClock(m)
	err := f()
	c.stop()
	m.wall.Add(int64(time.Since(t0)))
	return err
}
