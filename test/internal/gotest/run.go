package gotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SeedEnv is the environment variable the harness reads when a binary cannot
// be given the -seed flag; the tools always set it as well as the flag.
const SeedEnv = "DISTLABS_SEED"

// Compile builds the test binary of pkg (a path such as ./raft, relative to
// root) into bin, with extra build flags such as -race. On failure the error
// carries the compiler's output.
func Compile(ctx context.Context, root, pkg, bin string, buildFlags ...string) error {
	args := append([]string{"test", "-c", "-o", bin}, buildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go test -c %s: %w\n%s", pkg, err, bytes.TrimSpace(out))
	}
	if _, err := os.Stat(bin); err != nil {
		// go test -c writes nothing for a package without test files.
		return fmt.Errorf("go test -c %s: no test binary (package has no tests?): %w", pkg, err)
	}
	return nil
}

// SupportsFlag reports whether the test binary bin accepts the flag name
// (for example "seed", defined by the harness), given as name or name=value
// (the value defaults to 1). It runs no test.
func SupportsFlag(ctx context.Context, bin, dir, name string) bool {
	if !strings.Contains(name, "=") {
		name += "=1"
	}
	cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-"+name)
	cmd.Dir = dir
	return cmd.Run() == nil
}

// Spec describes one run of a test binary.
type Spec struct {
	Bin string // test binary
	Dir string // working directory: the package's source directory
	// Run is the -test.run pattern. When Test is set, Run defaults to
	// ^Test$ and the outcome also requires Test's own pass event.
	Run  string
	Test string
	// Seed is handed to the harness through SeedEnv and, if SeedFlag, -seed.
	Seed     int64
	SeedFlag bool
	Timeout  time.Duration // real-time limit; the process group is killed after it
	Args     []string      // extra arguments
}

// Status is the outcome of one run.
type Status string

// The possible outcomes of a run.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Timeout Status = "timeout"
	Skip    Status = "skip"
	Error   Status = "error" // the binary could not be started
)

// Result is what a run produced.
type Result struct {
	Status   Status
	Reason   string // why it is not a pass, for humans
	ExitCode int
	Output   string // combined stdout+stderr without frame markers
	Elapsed  time.Duration
}

// Run executes spec and decides its outcome. A test passes only if the
// process exits with status 0, the testing package's final framed line is
// PASS, and (when spec.Test is set) the test's own framed pass event is
// present with no fail event.
func Run(ctx context.Context, spec Spec) Result {
	run := spec.Run
	if spec.Test != "" && run == "" {
		run = "^" + spec.Test + "$"
	}
	args := []string{"-test.run", run, "-test.v=test2json", "-test.count=1", "-test.paniconexit0"}
	if spec.SeedFlag {
		args = append(args, "-seed", strconv.FormatInt(spec.Seed, 10))
	}
	args = append(args, spec.Args...)

	out := newCapture()
	cmd := exec.Command(spec.Bin, args...)
	cmd.Dir = spec.Dir
	cmd.Env = append(os.Environ(), SeedEnv+"="+strconv.FormatInt(spec.Seed, 10))
	cmd.Stdout = out
	cmd.Stderr = out
	// Own process group: a timeout kills the test and everything it spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A grandchild that inherited stdout must not keep Wait blocked forever.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return Result{Status: Error, Reason: fmt.Sprintf("start %s: %v", spec.Bin, err), ExitCode: -1}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	var timer <-chan time.Time
	if spec.Timeout > 0 {
		t := time.NewTimer(spec.Timeout)
		defer t.Stop()
		timer = t.C
	}
	var err error
	timedOut, cancelled := false, false
	select {
	case err = <-done:
	case <-timer:
		timedOut = true
		killGroup(cmd.Process.Pid)
		err = <-done
	case <-ctx.Done():
		cancelled = true
		killGroup(cmd.Process.Pid)
		err = <-done
	}
	// Children left behind by a test that exited normally are killed too.
	killGroup(cmd.Process.Pid)

	out.finish()
	res := Result{Output: Clean(out.output()), Elapsed: time.Since(start), ExitCode: exitCode(err)}
	switch {
	case timedOut:
		res.Status, res.Reason = Timeout, fmt.Sprintf("killed after the %v time limit", spec.Timeout)
		return res
	case cancelled:
		res.Status, res.Reason = Error, "cancelled"
		return res
	}
	res.Status, res.Reason = decide(spec.Test, res.ExitCode, out.ev)
	return res
}

// decide turns an exit status and the framed events into an outcome.
func decide(test string, code int, ev Events) (Status, string) {
	if test != "" && ev.Skipped[test] && !ev.Failed[test] && code == 0 {
		return Skip, "test was skipped"
	}
	switch {
	case code != 0:
		return Fail, fmt.Sprintf("exit status %d", code)
	case ev.Summary != "PASS":
		return Fail, "exited with status 0 before the testing package reported PASS (os.Exit mid-test?)"
	case test == "" && len(ev.Passed) == 0 && len(ev.Skipped) == 0:
		return Fail, "no test matched the -run pattern"
	case test != "" && ev.Failed[test]:
		return Fail, "test reported FAIL"
	case test != "" && !ev.Passed[test]:
		return Fail, "no pass event for " + test + " (test not found or did not finish)"
	}
	return Pass, ""
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return code
		}
	}
	return -1
}

// killGroup kills the process group led by pid; errors (group already gone)
// are expected and ignored on purpose.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
