package gotest

import "os"

// Sandbox describes the isolated view a test process runs in: its own
// user, PID, mount, network, IPC and UTS namespaces (Linux only; see
// sandbox_linux.go). Inside, the file system holds only the paths listed in
// ReadOnly (read-only, at their host paths), a few device files, a minimal
// /etc, and a fresh tmpfs at /tmp, the only writable place; there is no
// /proc, so no process can read its own memory or descriptors through it;
// the network is loopback only; the test runs as an unprivileged uid with
// no capabilities; and every process it starts, at any depth, dies with it.
type Sandbox struct {
	// ReadOnly lists absolute host paths (files or directories) the test
	// may read: its binary, the tree it was built from, prebuilt commands.
	ReadOnly []string
	// Scratch is the size in bytes of the tmpfs at /tmp (0: DefaultScratch).
	Scratch int64
	// MaxProcs caps the tasks (processes and threads) of the sandbox's user
	// (0: DefaultMaxProcs).
	MaxProcs int
	// MaxFileSize caps the size of any one file a test writes (0: Scratch).
	MaxFileSize int64
}

// Defaults of the Sandbox's limits.
const (
	DefaultScratch  = 1 << 30
	DefaultMaxProcs = 1024
)

// limitsEnv carries the limits to the runner's own binary, re-executed as
// a launcher (see limitExec); its value is "AS CPU": bytes and seconds.
const limitsEnv = "DISTLABS_GOTEST_LIMITS"

// launchEnv carries a sandboxed run's settings to the runner's own binary,
// re-executed inside the new namespaces as the sandbox's first process
// (see sandbox_linux.go); its value is JSON.
const launchEnv = "DISTLABS_GOTEST_SANDBOX"

// probeEnv makes this package's init exit 0 at once: the program the
// sandbox check (SandboxError) runs inside a sandbox is this binary.
const probeEnv = "DISTLABS_GOTEST_PROBE"

// sandboxUID is the user and group a sandboxed test runs as: not root,
// so an exec gives it no capabilities.
const sandboxUID = 1000

// passedEnv lists the variables of the runner's environment a sandboxed
// test still sees: runtime tuning a TA may set and the harness's watchdog
// limit. Everything else (paths, credentials, SUBMISSIONS, the go
// command's settings) stays outside; the runner adds its own per run.
var passedEnv = []string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT", "GODEBUG", "GOTRACEBACK", "TZ", "DISTLABS_WATCHDOG"}

// sandboxEnv returns the environment a sandboxed test starts with, before
// the runner's own variables: a fixed base and the allowed variables of
// this process's environment.
func sandboxEnv() []string {
	env := []string{"HOME=/tmp", "TMPDIR=/tmp", "PATH=/nonexistent", "USER=student", "LANG=C.UTF-8"}
	for _, name := range passedEnv {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// maxTasks is the sandbox's cap on threads and processes.
func maxTasks(sb *Sandbox) int {
	if sb.MaxProcs > 0 {
		return sb.MaxProcs
	}
	return DefaultMaxProcs
}

// scratchOf is the sandbox's scratch size.
func scratchOf(sb *Sandbox) int64 {
	if sb.Scratch > 0 {
		return sb.Scratch
	}
	return DefaultScratch
}

// cgroupSlack is a sandbox's memory cgroup's allowance beyond MemLimit and
// the scratch space: page cache of the binary and the tree, kernel memory
// of a busy test (see cgroup_linux.go).
const cgroupSlack = 256 << 20
