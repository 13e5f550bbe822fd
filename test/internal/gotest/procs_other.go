//go:build !linux

package gotest

import "time"

// On systems other than Linux the runner has only the process-group kill:
// no subreaper, no /proc, no per-process limits (students on macOS run the
// grader for feedback; grading itself runs on Linux).

func becomeSubreaper() {}

func applyLimits(pid int, mem int64, cpu time.Duration) error { return nil }

type tracker struct{}

func newTracker(root int, token string) *tracker { return &tracker{} }

func (tr *tracker) scan() int64 { return 0 }

func (tr *tracker) killAll() {}

// KillOrphans has nothing to do without a subreaper.
func KillOrphans() {}
