//go:build !linux

package gotest

import (
	"errors"
	"os"
	"os/exec"
	"time"
)

// On systems other than Linux the runner has only the process-group kill:
// no subreaper, no /proc, no per-process limits (students on macOS run the
// grader for feedback; grading itself runs on Linux).

func becomeSubreaper() {}

func limitExec(cmd *exec.Cmd, mem int64, cpu time.Duration) (bool, error) { return false, nil }

// execFailed and execFailedPrefix mark a launcher that could not exec the
// test; without a launcher they are never looked at.
const (
	execFailed       = 126
	execFailedPrefix = "gotest launcher: "
)

type tracker struct{}

func newTracker(root int, token string) *tracker { return &tracker{} }

func (tr *tracker) scan() (int64, int) { return 0, 0 }

func (tr *tracker) killAll() {}

// KillOrphans has nothing to do without a subreaper.
func KillOrphans() {}

// sandboxRun is what one run adds to a Sandbox.
type sandboxRun struct {
	root      string
	mem       int64
	cpu       uint64
	status    *os.File
	cgroup    string
	artifacts string
}

func sandboxExec(cmd *exec.Cmd, sb *Sandbox, run sandboxRun) error {
	return errors.New("sandboxes need Linux namespaces")
}

// SandboxError says why tests cannot run in a Sandbox: only Linux has them.
func SandboxError() error { return errors.New("sandboxes need Linux namespaces") }

// memCgroup is Linux's.
type memCgroup struct{}

func newMemCgroup(limit int64) (*memCgroup, error) {
	return nil, errors.New("memory cgroups need Linux")
}

func (cg *memCgroup) procs() string { return "" }

func (cg *memCgroup) ooms() int { return 0 }

func (cg *memCgroup) remove() {}

// MemoryCgroupError says why there is no memory cgroup: only Linux has them.
func MemoryCgroupError() error { return errors.New("memory cgroups need Linux") }
