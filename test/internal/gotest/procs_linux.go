//go:build linux

package gotest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Linux has no portable "kill this process and everything it ever
// started": a child that calls setsid leaves the process group, and one
// whose parent died is re-parented. So the runner makes itself a child
// subreaper (orphans of the test come back to it instead of to init),
// marks every test process with a token in its environment, and tracks the
// tree from /proc while the test runs. Everything tracked is killed at the
// end. This is the fallback of the design: /sys/fs/cgroup was a
// cgroup v1 hierarchy (no delegation to us) on the machines this was built
// on, so no cgroup v2 path is attempted.

const (
	prSetChildSubreaper = 36
	rlimitAS            = 9 // RLIMIT_AS on every Linux architecture Go supports
	rlimitCPU           = 0
)

var subreaperOnce sync.Once

// becomeSubreaper makes this process the reaper of its descendants' orphans.
// Failure (an old kernel) leaves the process-group kill and the /proc scan.
func becomeSubreaper() {
	subreaperOnce.Do(func() {
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	})
}

// addressHeadroom is the address space a process gets beyond the memory
// limit: the Go runtime reserves about 750 MiB of address space at start
// (no memory) and more for its heap arenas; with 1 GiB a 300 MiB
// allocation already failed. A binary that cannot start reports nothing
// useful, so the address-space limit is only the backstop.
const addressHeadroom = 2 << 30

// execFailed is the launcher's exit status when it cannot exec the test.
const execFailed = 126

// execFailedPrefix starts the launcher's message when it cannot exec.
const execFailedPrefix = "gotest launcher: "

// limitExec makes cmd start through this binary, which sets the limits on
// itself and then execs the test binary in place (same pid, same files).
// Limits set with prlimit on a test already running came too late: a Go
// runtime whose address space shrank under it while it was starting could
// crash in its garbage collector (SIGSEGV in runtime code, no "out of
// memory" message) instead of failing the allocation cleanly. Set before
// exec, the limits are in force from the test's first instruction.
//
// The address-space limit (memory limit plus headroom) stops a huge
// allocation at once, even one never touched; the tracker enforces the
// memory limit itself on resident memory summed over all the test's
// processes. The CPU limit is soft at the given seconds (SIGXCPU, which a
// Go program ignores unless it asked for it) and hard a second later
// (SIGKILL). Children inherit both.
//
// It reports whether cmd now starts through the launcher.
func limitExec(cmd *exec.Cmd, mem int64, cpu time.Duration) (bool, error) {
	if mem <= 0 && cpu <= 0 {
		return false, nil
	}
	self, err := os.Executable()
	if err != nil {
		return false, fmt.Errorf("find the runner's binary: %w", err)
	}
	var as, secs uint64
	if mem > 0 {
		as = uint64(mem) + addressHeadroom
	}
	if cpu > 0 {
		secs = uint64((cpu + time.Second - 1) / time.Second)
	}
	cmd.Args[0] = cmd.Path // the launcher execs argv as it is
	cmd.Path = self
	cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d %d", limitsEnv, as, secs))
	return true, nil
}

// init is the launcher's side of sandboxExec (launchEnv: build the sandbox,
// run the test in it) and of limitExec: in a process started with
// limitsEnv it sets the limits, drops the variable and becomes the test.
// Any other process carries on; a test that sets the variable for its own
// children only limits them further.
func init() {
	if v, ok := os.LookupEnv(launchEnv); ok {
		sandboxMain(v)
	}
	if os.Getenv(probeEnv) != "" {
		os.Exit(0)
	}
	v, ok := os.LookupEnv(limitsEnv)
	if !ok {
		return
	}
	if err := execWithLimits(v); err != nil {
		fmt.Fprintf(os.Stderr, "%s%v\n", execFailedPrefix, err)
		os.Exit(execFailed)
	}
}

// execWithLimits sets the limits in v and execs os.Args; it returns only
// on error.
func execWithLimits(v string) error {
	var as, secs uint64
	if _, err := fmt.Sscanf(v, "%d %d", &as, &secs); err != nil {
		return fmt.Errorf("bad %s=%q: %w", limitsEnv, v, err)
	}
	if len(os.Args) == 0 {
		return errors.New("no program to run")
	}
	// Everything exec needs is built before the address space shrinks.
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, limitsEnv+"=") {
			env = append(env, kv)
		}
	}
	if as > 0 {
		if err := syscall.Setrlimit(rlimitAS, &syscall.Rlimit{Cur: as, Max: as}); err != nil {
			return fmt.Errorf("set address-space limit: %w", err)
		}
	}
	if secs > 0 {
		if err := syscall.Setrlimit(rlimitCPU, &syscall.Rlimit{Cur: secs, Max: secs + 1}); err != nil {
			return fmt.Errorf("set CPU-time limit: %w", err)
		}
	}
	if err := syscall.Exec(os.Args[0], os.Args, env); err != nil {
		return fmt.Errorf("exec %s: %w", os.Args[0], err)
	}
	return nil
}

// procInfo is what the tracker reads from /proc/PID/stat.
type procInfo struct {
	ppid  int
	start uint64 // start time in clock ticks: tells a reused pid apart
	rss   int64  // resident pages
	tasks int    // threads
	state byte
}

// readProc parses /proc/PID/stat; ok is false if the process is gone.
func readProc(pid int) (procInfo, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, false
	}
	// The command name is in parentheses and may contain anything.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procInfo{}, false
	}
	f := bytes.Fields(data[i+1:])
	// f[0] is field 3 (state); ppid is field 4, num_threads 20,
	// starttime 22, rss 24.
	if len(f) < 22 {
		return procInfo{}, false
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	tasks, _ := strconv.Atoi(string(f[17]))
	start, _ := strconv.ParseUint(string(f[19]), 10, 64)
	rss, _ := strconv.ParseInt(string(f[21]), 10, 64)
	return procInfo{ppid: ppid, start: start, rss: rss, tasks: tasks, state: f[0][0]}, true
}

// allProcs lists every process in /proc.
func allProcs() map[int]procInfo {
	out := map[int]procInfo{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := readProc(pid); ok {
			out[pid] = p
		}
	}
	return out
}

// hasToken reports whether pid's initial environment contains token.
func hasToken(pid int, token string) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	return err == nil && bytes.Contains(data, []byte(token))
}

// tracker follows one test process and all its descendants.
type tracker struct {
	root  int
	token string // NAME=value in the environment of every test process
	self  int
	mu    sync.Mutex
	seen  map[int]uint64 // pid -> start time of every process of the test
}

func newTracker(root int, token string) *tracker {
	tr := &tracker{root: root, token: token, self: os.Getpid(), seen: map[int]uint64{}}
	if p, ok := readProc(root); ok {
		tr.seen[root] = p.start
	}
	return tr
}

// scan adds the test's current processes to the tracked set and returns
// their summed resident memory in bytes and their number of threads. A
// process belongs to the test if its parent does, or if it was
// re-parented to us (an orphan: we are the subreaper) and carries the
// test's token. (In a sandbox every process of the test descends from its
// launcher: orphans go to the launcher, PID 1 of its namespace.)
func (tr *tracker) scan() (int64, int) {
	procs := allProcs()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	var queue []int
	if p, ok := procs[tr.root]; ok && p.start == tr.seen[tr.root] {
		queue = append(queue, tr.root)
	}
	for _, pid := range children[tr.self] {
		if pid == tr.root {
			continue
		}
		if start, ok := tr.seen[pid]; (ok && start == procs[pid].start) || hasToken(pid, tr.token) {
			queue = append(queue, pid)
		}
	}
	var rss int64
	tasks := 0
	visited := map[int]bool{}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		if visited[pid] {
			continue
		}
		visited[pid] = true
		p := procs[pid]
		tr.seen[pid] = p.start
		rss += p.rss
		tasks += p.tasks
		queue = append(queue, children[pid]...)
	}
	return rss * int64(os.Getpagesize()), tasks
}

// killAll kills every tracked process that still exists (the root's own
// exit status is collected by os/exec), repeating while new ones appear,
// and reaps the orphans re-parented to us.
func (tr *tracker) killAll() {
	for range 50 {
		tr.scan()
		live := tr.live()
		if len(live) == 0 {
			break
		}
		for _, pid := range live {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond) // real processes: let the kernel deliver
		tr.reap()
	}
	tr.reap()
}

// live lists tracked processes still running (not zombies), excluding the
// root once it has exited.
func (tr *tracker) live() []int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []int
	for pid, start := range tr.seen {
		if p, ok := readProc(pid); ok && p.start == start && p.state != 'Z' {
			out = append(out, pid)
		}
	}
	return out
}

// reap collects the exit status of tracked orphans that are our children,
// so they do not stay zombies. The root is os/exec's to wait for.
func (tr *tracker) reap() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for pid, start := range tr.seen {
		if pid == tr.root {
			continue
		}
		if p, ok := readProc(pid); ok && p.start == start && p.ppid == tr.self && p.state == 'Z' {
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
	}
}

// KillOrphans kills and reaps every child of this process that this
// package is not running: as the subreaper the process inherits the
// orphans of the tests it ran. Call it when the caller has no child
// processes of its own outside this package (the grader, between grading
// and its report): a descendant that escaped a run's tracker (it cleared
// its environment and left its session before the tracker saw it) ends
// here.
func KillOrphans() {
	self := os.Getpid()
	for range 20 {
		found := false
		active.Lock()
		for pid, p := range allProcs() {
			if p.ppid != self || active.pids[pid] {
				continue
			}
			found = true
			if p.state != 'Z' {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			var ws syscall.WaitStatus
			_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		}
		active.Unlock()
		if !found {
			return
		}
		time.Sleep(10 * time.Millisecond) // real processes: let the kernel deliver
	}
}
