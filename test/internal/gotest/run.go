package gotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	return CompileEnv(ctx, root, pkg, bin, nil, buildFlags...)
}

// CompileEnv is Compile with extra environment variables for the go command.
func CompileEnv(ctx context.Context, root, pkg, bin string, env []string, buildFlags ...string) error {
	args := append([]string{"test", "-c", "-o", bin}, buildFlags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := runRegistered(cmd); err != nil {
		return fmt.Errorf("go test -c %s: %w\n%s", pkg, err, bytes.TrimSpace(out.Bytes()))
	}
	if _, err := os.Stat(bin); err != nil {
		// go test -c writes nothing for a package without test files.
		return fmt.Errorf("go test -c %s: no test binary (package has no tests?): %w", pkg, err)
	}
	return nil
}

// SupportsFlag reports whether the test binary bin accepts the flag name
// (for example "seed", defined by the harness), given as name or name=value
// (the value defaults to 1). It runs no test, but the binary's package
// initialisation runs: in sb when it is set.
func SupportsFlag(ctx context.Context, sb *Sandbox, bin, dir, name string) bool {
	if !strings.Contains(name, "=") {
		name += "=1"
	}
	cmd, cleanup, err := command(ctx, sb, bin, dir, "-test.run", "^$", "-"+name)
	defer cleanup()
	return err == nil && runRegistered(cmd) == nil
}

// List returns the names of the tests, fuzz targets and benchmarks the
// binary bin contains, running none of them (in sb when it is set).
func List(ctx context.Context, sb *Sandbox, bin, dir string) ([]string, error) {
	cmd, cleanup, err := command(ctx, sb, bin, dir, "-test.list", ".")
	defer cleanup()
	if err != nil {
		return nil, err
	}
	// Package initialisation is the submission's: it may print without end.
	out := &limitedBuffer{limit: listLimit}
	cmd.Stdout = out
	if err := runRegistered(cmd); err != nil {
		return nil, fmt.Errorf("%s -test.list: %w", bin, err)
	}
	var names []string
	for _, l := range strings.Split(out.buf.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "ok ") {
			names = append(names, l)
		}
	}
	return names, nil
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
	// Verdict requires the harness's verdict line for Test (see
	// VerdictFDEnv): without a pass line the run fails whatever it printed.
	Verdict bool
	// MemLimit bounds the resident memory of all the test's processes
	// together, in bytes, and the address space of each to MemLimit plus
	// 2 GiB of headroom for the runtime's reservations (0: no limit).
	MemLimit int64
	// CPULimit bounds the CPU time of each process of the test (0: none).
	CPULimit time.Duration
	// Env is added to the test process's environment.
	Env []string
	// Sandbox, when set, runs the test isolated (see Sandbox): its
	// environment is then a scrubbed one plus Env, not the runner's.
	Sandbox *Sandbox
	// Artifacts is an existing host directory the test may leave files
	// in for a human (a visualisation its failure message names). In a
	// sandbox the test writes to a small tmpfs at the same path, copied
	// back when it exits (at most 16 files, 32 MiB).
	Artifacts string
}

// Status is the outcome of one run.
type Status string

// The possible outcomes of a run.
const (
	Pass      Status = "pass"
	Fail      Status = "fail"
	Timeout   Status = "timeout"
	Skip      Status = "skip"
	MemoryOut Status = "memory limit"
	CPUOut    Status = "cpu limit"
	ProcsOut  Status = "process limit"
	Error     Status = "error" // the binary could not be started
)

// Result is what a run produced.
type Result struct {
	Status   Status
	Reason   string // why it is not a pass, one line for humans
	ExitCode int
	Output   string // combined stdout+stderr without frame markers
	// Harness is the reason of the harness's failing verdict line for
	// spec.Test (nonce checked, so the code under test cannot forge it),
	// or "" without one.
	Harness string
	// Forged counts lines on the verdict pipe the harness did not write:
	// a wrong nonce, a malformed line, a second verdict for one test, or a
	// verdict for a test the harness never saw start.
	Forged  int
	Elapsed time.Duration
}

// runToken marks the environment of every process a run starts, so the
// tracker recognises them after they were re-parented.
const runToken = "DISTLABS_GRADE_RUN"

// Run executes spec and decides its outcome. A test passes only if the
// process exits with status 0, the testing package's final framed line is
// PASS, (when spec.Test is set) the test's own framed pass event is present
// with no fail event, and (when spec.Verdict) the harness's verdict line for
// the test says pass. Every process the test started is killed at the end.
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
	becomeSubreaper()

	out := newCapture(spec.Test)
	nonce, token := newNonce(), newNonce()
	cmd := exec.Command(spec.Bin, args...)
	cmd.Dir = spec.Dir
	base := os.Environ()
	if spec.Sandbox != nil {
		base = sandboxEnv()
	}
	cmd.Env = append(base, SeedEnv+"="+strconv.FormatInt(spec.Seed, 10), runToken+"="+token)
	cmd.Env = append(cmd.Env, spec.Env...)
	cmd.Stdout = out
	cmd.Stderr = out
	// Own process group: a timeout kills the test and everything it spawned
	// that stayed in the group; the tracker gets the others.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A grandchild that inherited stdout must not keep Wait blocked forever.
	cmd.WaitDelay = 2 * time.Second
	pr, pw, err := os.Pipe()
	if err != nil {
		return Result{Status: Error, Reason: fmt.Sprintf("verdict pipe: %v", err), ExitCode: -1}
	}
	defer pr.Close()
	// The nonce goes through a second pipe, never the environment: the
	// process's initial environment stays readable in /proc/self/environ
	// whatever os.Unsetenv does, but a pipe's content is gone once the
	// harness (which initialises before any code it is linked with that
	// imports it) has read it.
	npr, err := noncePipe(nonce)
	if err != nil {
		pw.Close()
		return Result{Status: Error, Reason: fmt.Sprintf("nonce pipe: %v", err), ExitCode: -1}
	}
	cmd.ExtraFiles = []*os.File{pw, npr}
	cmd.Env = append(cmd.Env, VerdictFDEnv+"=3", NonceFDEnv+"=4")
	l, err := launcher(cmd, spec)
	defer l.close()
	if err != nil {
		pw.Close()
		npr.Close()
		return Result{Status: Error, Reason: err.Error(), ExitCode: -1}
	}
	start := time.Now()
	err = startRegistered(cmd)
	pw.Close() // the child has its copies
	npr.Close()
	l.started()
	if err != nil {
		return Result{Status: Error, Reason: fmt.Sprintf("start %s: %v", spec.Bin, err), ExitCode: -1}
	}
	tr := newTracker(cmd.Process.Pid, runToken+"="+token)
	vch := make(chan verdicts, 1)
	go func() { vch <- readVerdicts(pr, nonce) }()
	done := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		unregister(cmd)
		done <- err
	}()

	var timer <-chan time.Time
	if spec.Timeout > 0 {
		t := time.NewTimer(spec.Timeout)
		defer t.Stop()
		timer = t.C
	}
	poll := time.NewTicker(100 * time.Millisecond)
	defer poll.Stop()
	var stopped Status // why the runner killed the test, if it did
	var rss int64
	var tasks int
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-poll.C:
			r, n := tr.scan()
			switch {
			case spec.MemLimit > 0 && r > spec.MemLimit:
				stopped, rss = MemoryOut, r
			case spec.Sandbox != nil && n > maxTasks(spec.Sandbox):
				// RLIMIT_NPROC does not bind a grader running as root
				// (the kernel exempts root's own user), so the count is
				// enforced here too.
				stopped, tasks = ProcsOut, n
			default:
				continue
			}
			killGroup(cmd.Process.Pid)
			tr.killAll()
		case <-timer:
			stopped = Timeout
			killGroup(cmd.Process.Pid)
			tr.killAll()
		case <-ctx.Done():
			stopped = Error
			killGroup(cmd.Process.Pid)
			tr.killAll()
		}
	}
	// Children left behind by a test that exited normally are killed too,
	// also those that left the process group (setsid) or were orphaned.
	killGroup(cmd.Process.Pid)
	tr.killAll()
	// Everything holding the pipe is dead now; a descendant we could not
	// find must not keep the runner waiting.
	_ = pr.SetReadDeadline(time.Now().Add(2 * time.Second))
	vs := <-vch

	out.finish()
	res := Result{Output: Clean(out.output()), Elapsed: time.Since(start), ExitCode: exitCode(err), Forged: vs.forged}
	sig := signalOf(err)
	setupErr := ""
	if st, ok := l.status(); ok {
		// The sandbox's launcher says how its test ended: its own exit
		// status is only that of the namespace's first process.
		res.ExitCode, sig, setupErr = st.code, st.sig, st.err
	}
	if v, ok, _ := vs.of(spec.Test); spec.Verdict && ok && !v.pass {
		res.Harness = v.reason
	}
	switch {
	case stopped == Timeout:
		res.Status, res.Reason = Timeout, fmt.Sprintf("timed out after %v (killed by the grader)", spec.Timeout)
		if w := watchdogLine(res.Output); w != "" {
			res.Reason = w
		}
		return res
	case stopped == MemoryOut:
		res.Status, res.Reason = MemoryOut, fmt.Sprintf("killed: memory limit (the test's processes used %s resident, limit %s)", bytesText(rss), bytesText(spec.MemLimit))
		return res
	case stopped == ProcsOut:
		res.Status, res.Reason = ProcsOut, fmt.Sprintf("killed: process limit (the test ran %d threads and processes, limit %d)", tasks, maxTasks(spec.Sandbox))
		return res
	case stopped == Error:
		res.Status, res.Reason = Error, "cancelled"
		return res
	case setupErr != "":
		res.Status, res.Reason = Error, "sandbox: "+setupErr
		return res
	case l.oomKilled():
		res.Status, res.Reason = MemoryOut, fmt.Sprintf("killed: memory limit (the sandbox's memory cgroup, files and buffers included, reached %s)",
			bytesText(spec.MemLimit+scratchOf(spec.Sandbox)+cgroupSlack))
		return res
	case l.limits && res.ExitCode == execFailed && strings.HasPrefix(res.Output, execFailedPrefix):
		// The test's own code could print this and exit 126 too; it still
		// scores nothing, as an error instead of a failure.
		res.Status, res.Reason = Error, oneLine(res.Output)
		return res
	case spec.CPULimit > 0 && (sig == syscall.SIGXCPU || sig == syscall.SIGKILL && cpuUsed(cmd) >= spec.CPULimit):
		res.Status, res.Reason = CPUOut, fmt.Sprintf("killed: CPU-time limit (%v of CPU per process)", spec.CPULimit)
		return res
	case spec.MemLimit > 0 && res.ExitCode != 0 && outOfMemory(res.Output):
		res.Status, res.Reason = MemoryOut, fmt.Sprintf("killed: memory limit (an allocation failed: the limit is %s)", bytesText(spec.MemLimit))
		return res
	}
	res.Status, res.Reason = decide(spec.Test, res.ExitCode, out.ev)
	if res.Status == Pass && spec.Verdict {
		if v, ok, why := vs.of(spec.Test); !ok {
			res.Status, res.Reason = Fail, why
		} else if !v.pass {
			res.Status, res.Reason = Fail, "the harness reported a failure: "+v.reason
		}
	}
	if res.Status == Fail {
		res.Reason = explain(res, spec, vs)
	}
	return res
}

// listLimit bounds what List reads of a binary's -test.list output.
const listLimit = 1 << 20

// limitedBuffer keeps the first limit bytes written to it and drops the rest.
type limitedBuffer struct {
	buf   bytes.Buffer
	limit int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if n := min(b.limit-b.buf.Len(), len(p)); n > 0 {
		b.buf.Write(p[:n])
	}
	return len(p), nil
}

// command is exec.CommandContext(ctx, bin, args...) in dir, started in a
// sandbox when sb is set; the caller calls cleanup after the run.
func command(ctx context.Context, sb *Sandbox, bin, dir string, args ...string) (*exec.Cmd, func(), error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	if sb == nil {
		return cmd, func() {}, nil
	}
	cmd.Env = sandboxEnv()
	// The status is not read here: the exit code says enough.
	l, err := launcher(cmd, Spec{Sandbox: sb})
	return cmd, l.close, err
}

// launch is how a run was started.
type launch struct {
	limits bool     // through limitExec's launcher (no sandbox)
	pipe   *os.File // the read end of a sandbox's status pipe, or nil
	write  *os.File // its write end, until the launcher holds it
	root   string   // the sandbox's mount point, removed at the end
	cg     *memCgroup
}

// launcher makes cmd start through this binary when spec asks for a
// sandbox or for limits.
func launcher(cmd *exec.Cmd, spec Spec) (*launch, error) {
	l := &launch{}
	if spec.Sandbox == nil {
		launched, err := limitExec(cmd, spec.MemLimit, spec.CPULimit)
		if err != nil {
			return l, fmt.Errorf("resource limits: %w", err)
		}
		l.limits = launched
		return l, nil
	}
	var err error
	if l.root, err = os.MkdirTemp("", "distlabs-sandbox-"); err != nil {
		return l, fmt.Errorf("sandbox root: %w", err)
	}
	if l.pipe, l.write, err = os.Pipe(); err != nil {
		return l, fmt.Errorf("sandbox status pipe: %w", err)
	}
	run := sandboxRun{root: l.root, mem: spec.MemLimit, status: l.write, artifacts: spec.Artifacts}
	if spec.CPULimit > 0 {
		run.cpu = uint64((spec.CPULimit + time.Second - 1) / time.Second)
	}
	if spec.MemLimit > 0 {
		// Without a cgroup (MemoryCgroupError says why) the watch of
		// resident memory is the only memory limit.
		if l.cg, err = newMemCgroup(spec.MemLimit + scratchOf(spec.Sandbox) + cgroupSlack); err == nil {
			run.cgroup = l.cg.procs()
		}
	}
	if err := sandboxExec(cmd, spec.Sandbox, run); err != nil {
		return l, fmt.Errorf("sandbox: %w", err)
	}
	return l, nil
}

// started closes the runner's copy of the status pipe's write end, once
// the launcher has its own.
func (l *launch) started() {
	if l.write != nil {
		l.write.Close()
		l.write = nil
	}
}

// close releases what the launch made. The root is an empty directory:
// the mounts on it were the sandbox's own.
func (l *launch) close() {
	l.started()
	if l.pipe != nil {
		l.pipe.Close()
	}
	if l.root != "" {
		_ = os.Remove(l.root)
	}
	if l.cg != nil {
		l.cg.remove()
	}
}

// oomKilled reports whether the kernel killed a process of the run for
// its memory cgroup's limit.
func (l *launch) oomKilled() bool { return l.cg != nil && l.cg.ooms() > 0 }

// launchStatus is a sandbox's report on its test.
type launchStatus struct {
	code int            // exit status, -1 if killed by a signal
	sig  syscall.Signal // the signal that killed it, or 0
	err  string         // why the sandbox could not be built
}

// status reads the sandbox launcher's report, once the launcher has
// exited; ok is false without one (no sandbox, or the runner killed the
// launcher first).
func (l *launch) status() (launchStatus, bool) {
	if l.pipe == nil {
		return launchStatus{}, false
	}
	_ = l.pipe.SetReadDeadline(time.Now().Add(time.Second))
	b, _ := io.ReadAll(io.LimitReader(l.pipe, 4096))
	line, _, _ := strings.Cut(string(b), "\n")
	word, arg, _ := strings.Cut(line, " ")
	n, err := strconv.Atoi(arg)
	switch {
	case word == "error":
		return launchStatus{code: -1, err: arg}, true
	case word == "exit" && err == nil:
		return launchStatus{code: n}, true
	case word == "signal" && err == nil:
		return launchStatus{code: -1, sig: syscall.Signal(n)}, true
	}
	return launchStatus{}, false
}

// signalOf returns the signal that killed the process cmd ran, or 0.
func signalOf(err error) syscall.Signal {
	if ws, ok := waitStatus(err); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
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
		return Fail, "exited mid-test via os.Exit (status 0 before the testing package reported PASS)"
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

// cpuUsed is the CPU time the exited process used.
func cpuUsed(cmd *exec.Cmd) time.Duration {
	if cmd.ProcessState == nil {
		return 0
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// waitStatus extracts the wait status of an exited process.
func waitStatus(err error) (syscall.WaitStatus, bool) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ws, ok := ee.Sys().(syscall.WaitStatus)
		return ws, ok
	}
	return 0, false
}
