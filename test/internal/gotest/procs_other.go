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

func sandboxExec(cmd *exec.Cmd, sb *Sandbox, root string, mem int64, cpu uint64, status *os.File) error {
	return errors.New("sandboxes need Linux namespaces")
}

// SandboxError says why tests cannot run in a Sandbox: only Linux has them.
func SandboxError() error { return errors.New("sandboxes need Linux namespaces") }
