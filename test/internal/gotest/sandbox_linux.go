//go:build linux

package gotest

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// How a sandboxed run starts. The runner re-executes its own binary (the
// grader) with clone flags for new user, PID, mount, network, IPC and UTS
// namespaces; the kernel maps the runner's uid to sandboxUID inside, and
// the launcher keeps, as ambient capabilities valid only in its own user
// namespace, the three it needs to build the sandbox. Running as the
// namespace's PID 1 (sandboxMain), it
//
//  1. makes every mount private, so nothing it does reaches the host;
//  2. mounts a small tmpfs as the new root, a scratch tmpfs of bounded
//     size at /tmp, binds /dev/null, zero, full, random and urandom, and
//     writes a minimal /etc (hosts for localhost);
//  3. binds each read-only path at its host path, then makes the new root
//     read-only too, and pivots into it, detaching the old root: the build
//     cache, the kit, other submissions, the grader's temp files and /proc
//     are simply not there;
//  4. brings up loopback (the only interface of its network namespace);
//  5. sets the resource limits, no-new-privileges and an empty capability
//     bounding set, clears its ambient set, and starts the test as its one
//     child, which execs with no capabilities at all;
//  6. reaps every process of the namespace until the test exits, and exits
//     with the test's status (128+n for a signal n). When it exits the
//     kernel kills whatever is left in the PID namespace: nothing outlives
//     the test, however it detached.
//
// Everything is the standard library: syscall's clone flags, uid maps and
// ambient capabilities, plus mount, pivot_root, prctl and one ioctl.

// Capabilities the launcher keeps (in its own user namespace only).
const (
	capSetpcap     = 8  // drop the bounding set
	capNetAdmin    = 12 // bring up loopback
	capSysAdmin    = 21 // mount, pivot_root, IPC limits
	capSysResource = 24 // forbid nested user namespaces
)

// prctl options (linux/prctl.h).
const (
	prSetDumpable     = 4
	prCapbsetDrop     = 24
	prSetNoNewPrivs   = 38
	prCapAmbient      = 47
	prCapAmbientClear = 4
)

// rlimits the runner sets beyond AS and CPU (asm-generic/resource.h).
const (
	rlimitFSIZE = 1
	rlimitNPROC = 6
)

// scratchInodes caps the files and directories of the scratch tmpfs: each
// costs kernel memory that neither its size limit nor the resident-memory
// watch counts. Far more than any lab's tests create.
const scratchInodes = 100_000

// launchConfig is what the runner hands the launcher in launchEnv.
type launchConfig struct {
	Root     string   // an empty host directory to mount the new root on
	ReadOnly []string // host paths shown read-only at the same path
	Dir      string   // the test's working directory
	Scratch  int64    // bytes of tmpfs at /tmp
	NProc    uint64
	FSize    uint64
	AS, CPU  uint64 // 0: no limit
	// Files: descriptors 1..Files-1 are passed to the test (fd 0 is a
	// /dev/null of the sandbox's own).
	Files int
	// StatusFD, if not 0, is where the launcher reports how the test ended
	// ("exit N", "signal N") or why the sandbox could not be built
	// ("error ..."): a descriptor the test never holds, so the test cannot
	// pass its own exit for a kill by a limit, or for a setup error.
	StatusFD int
	// SwitchUser: the launcher is root in its namespace (the runner is
	// root, and mapped root to root so the launcher can reach root's
	// files), and the test runs as sandboxUID, mapped to hostSandboxUID.
	SwitchUser bool
	// Cgroup is the cgroup.procs file of the memory cgroup the launcher
	// joins first, so that everything in the sandbox is counted ("": none).
	Cgroup string
	// Artifacts is a host directory ("": none). The test sees a small
	// writable tmpfs at the same path; when it has exited the launcher
	// copies the regular files there back to the host directory, so that
	// a path a failure message names (a porcupine visualisation) exists
	// outside the sandbox too.
	Artifacts string
}

// Bounds of the artifacts directory: a visualisation or two, not storage.
const (
	artifactsSize  = 32 << 20
	artifactsFiles = 16
)

// hostSandboxUID is the host uid (and gid) a sandboxed test runs as when
// the runner is root: it owns no file, so the test can change nothing the
// sandbox shows it (not even /dev/null), and RLIMIT_NPROC binds it (the
// kernel exempts root's own user from that limit).
const hostSandboxUID = 1 << 30

// sandboxRun is what one run adds to a Sandbox.
type sandboxRun struct {
	root   string   // an empty directory the caller removes after the run
	mem    int64    // MemLimit, for the address-space limit
	cpu    uint64   // CPU seconds
	status *os.File // the write end of the status pipe, or nil
	cgroup string   // the cgroup.procs file the launcher joins, or ""
	// artifacts is a host directory whose files the test may write (see
	// launchConfig.Artifacts), or "".
	artifacts string
}

// sandboxExec makes cmd start as the launcher of a sandbox (see above),
// with cmd.Dir, cmd's argv and cmd.Env kept for the test itself.
func sandboxExec(cmd *exec.Cmd, sb *Sandbox, run sandboxRun) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the runner's binary: %w", err)
	}
	// The launcher changes directory before it execs the test, so both
	// paths must be absolute (a relative Path is relative to Dir).
	dir, err := filepath.Abs(cmd.Dir)
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	if !filepath.IsAbs(cmd.Path) {
		cmd.Path = filepath.Join(dir, cmd.Path)
	}
	cfg := launchConfig{
		Root: run.root, Dir: dir, Scratch: scratchOf(sb), NProc: uint64(maxTasks(sb)), FSize: uint64(sb.MaxFileSize),
		CPU: run.cpu, Files: 3 + len(cmd.ExtraFiles), Cgroup: run.cgroup, Artifacts: run.artifacts,
	}
	if cfg.Artifacts != "" {
		if cfg.Artifacts, err = filepath.Abs(cfg.Artifacts); err != nil {
			return fmt.Errorf("artifacts directory: %w", err)
		}
	}
	if run.status != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, run.status)
		cfg.StatusFD = cfg.Files
	}
	if cfg.FSize == 0 {
		cfg.FSize = uint64(cfg.Scratch)
	}
	if run.mem > 0 {
		cfg.AS = uint64(run.mem) + addressHeadroom
	}
	ro := append([]string{cmd.Path}, sb.ReadOnly...)
	if dynamic(cmd.Path) {
		// Test binaries are built without cgo and need nothing; a
		// dynamically linked one (a tool's own tests) needs its loader.
		ro = append(ro, systemLibs...)
	}
	for _, p := range ro {
		abs, err := filepath.Abs(p)
		if err != nil {
			return fmt.Errorf("sandbox path %s: %w", p, err)
		}
		cfg.ReadOnly = append(cfg.ReadOnly, abs)
	}
	cmd.Args[0] = cmd.Path // the launcher runs argv as it is
	cmd.Path = self
	cmd.Dir = "" // the launcher changes directory once inside
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWPID | syscall.CLONE_NEWNS |
			syscall.CLONE_NEWNET | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: sandboxUID, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		AmbientCaps:                []uintptr{capSetpcap, capNetAdmin, capSysResource, capSysAdmin},
	}
	if os.Getuid() == 0 {
		// Only root may map more than its own uid. The launcher stays
		// root (to reach root's files while it builds the sandbox); the
		// test becomes a host uid that owns nothing.
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxUID, HostID: hostSandboxUID, Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxUID, HostID: hostSandboxUID, Size: 1}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
		cmd.SysProcAttr.AmbientCaps = nil
		cfg.SwitchUser = true
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("sandbox config: %w", err)
	}
	cmd.Env = append(cmd.Env, launchEnv+"="+string(data))
	return nil
}

// systemLibs are the directories a dynamically linked binary loads from.
var systemLibs = []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64"}

// dynamic reports whether the ELF binary bin names a program interpreter.
func dynamic(bin string) bool {
	f, err := elf.Open(bin)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

// sandboxMain is the launcher: it builds the sandbox described by v, runs
// the test in it and exits with its status. It never returns.
func sandboxMain(v string) {
	var cfg launchConfig
	report := func(string) {}
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "%ssandbox: %v\n", execFailedPrefix, err)
		report("error " + oneLine(err.Error()))
		os.Exit(execFailed)
	}
	if err := json.Unmarshal([]byte(v), &cfg); err != nil {
		fail(fmt.Errorf("bad %s: %w", launchEnv, err))
	}
	if cfg.StatusFD > 0 {
		syscall.CloseOnExec(cfg.StatusFD)
		status := os.NewFile(uintptr(cfg.StatusFD), "status")
		report = func(line string) { _, _ = status.WriteString(line + "\n") }
	}
	if len(os.Args) == 0 {
		fail(errors.New("no program to run"))
	}
	if cfg.Cgroup != "" {
		// "0" is the writer itself: before it starts anything.
		if err := os.WriteFile(cfg.Cgroup, []byte("0"), 0); err != nil {
			fail(fmt.Errorf("join the memory cgroup: %w", err))
		}
	}
	// Capabilities, no-new-privileges and the fork below are per thread:
	// all of it happens on this one. (Package init already runs locked to
	// the main thread; this says so.)
	runtime.LockOSThread()
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, launchEnv+"=") {
			env = append(env, kv)
		}
	}
	if err := limitNamespaces(); err != nil {
		fail(err)
	}
	// The host's artifacts directory, held open across the pivot; the
	// test never gets this descriptor (close-on-exec, not in its files).
	artifacts := -1
	if cfg.Artifacts != "" {
		fd, err := syscall.Open(cfg.Artifacts, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			fail(fmt.Errorf("artifacts directory: %w", err))
		}
		artifacts = fd
	}
	if err := buildRoot(cfg); err != nil {
		fail(err)
	}
	if err := loopbackUp(); err != nil {
		fail(fmt.Errorf("loopback: %w", err))
	}
	if err := os.Chdir(cfg.Dir); err != nil {
		fail(fmt.Errorf("working directory: %w", err))
	}
	// The test's stdin is a /dev/null of the sandbox's (read-only bound),
	// not the runner's open file.
	null, err := syscall.Open("/dev/null", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		fail(fmt.Errorf("open /dev/null: %w", err))
	}
	if err := dropPrivileges(cfg); err != nil {
		fail(err)
	}
	files := make([]uintptr, cfg.Files)
	for i := range files {
		files[i] = uintptr(i)
	}
	files[0] = uintptr(null)
	attr := &syscall.ProcAttr{Env: env, Files: files}
	if cfg.SwitchUser {
		attr.Sys = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: sandboxUID, Gid: sandboxUID, Groups: []uint32{}}}
	}
	pid, err := syscall.ForkExec(os.Args[0], os.Args, attr)
	if err != nil {
		fail(fmt.Errorf("exec %s: %w", os.Args[0], err))
	}
	// The pipes must close when the test exits, not when we do.
	for fd := 3; fd < cfg.Files; fd++ {
		_ = syscall.Close(fd)
	}
	ws, err := reapUntil(pid)
	if artifacts >= 0 {
		copyArtifacts(cfg.Artifacts, artifacts)
	}
	switch {
	case err != nil:
		fail(fmt.Errorf("wait: %w", err))
	case ws.Signaled():
		report(fmt.Sprintf("signal %d", ws.Signal()))
		os.Exit(128 + int(ws.Signal()))
	}
	report(fmt.Sprintf("exit %d", ws.ExitStatus()))
	os.Exit(ws.ExitStatus())
}

// copyArtifacts copies the regular files of the sandbox's dir to the host
// directory open as hostDir, best effort: never through a symbolic link,
// never over an existing file, within the tmpfs's bounds.
func copyArtifacts(dir string, hostDir int) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		in, err := os.OpenFile(filepath.Join(dir, e.Name()), os.O_RDONLY|syscall.O_NOFOLLOW, 0)
		if err != nil {
			continue
		}
		fd, err := syscall.Openat(hostDir, e.Name(), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
		if err == nil {
			out := os.NewFile(uintptr(fd), e.Name())
			_, _ = io.Copy(out, io.LimitReader(in, artifactsSize))
			_ = out.Close()
		}
		_ = in.Close()
	}
}

// limitNamespaces closes what a process without capabilities could still
// use to hold memory no limit counts: a nested user namespace (in which it
// would have the capabilities to mount a tmpfs of half the machine's
// memory) and System V and POSIX IPC (shared memory, message queues) of
// the sandbox's IPC namespace. It writes the namespaces' own limits
// through the host's /proc, so it runs before the pivot.
func limitNamespaces() error {
	for _, l := range []struct{ path, value string }{
		{"/proc/sys/user/max_user_namespaces", "0"},
		{"/proc/sys/kernel/shmall", "0"},
		{"/proc/sys/kernel/shmmni", "0"},
		{"/proc/sys/kernel/msgmni", "0"},
		{"/proc/sys/fs/mqueue/queues_max", "0"},
	} {
		if err := os.WriteFile(l.path, []byte(l.value), 0); err != nil {
			return fmt.Errorf("limit the sandbox's namespaces: %w", err)
		}
	}
	return nil
}

// reapUntil waits for every process of the namespace (orphans come to PID
// 1) until pid exits, and returns pid's wait status.
func reapUntil(pid int) (syscall.WaitStatus, error) {
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 0, err
		}
		if got == pid && (ws.Exited() || ws.Signaled()) {
			return ws, nil
		}
	}
}

// buildRoot makes the sandbox's file system and pivots into it.
func buildRoot(cfg launchConfig) error {
	if err := syscall.Mount("none", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	root := cfg.Root
	const hardened = syscall.MS_NOSUID | syscall.MS_NODEV
	if err := syscall.Mount("tmpfs", root, "tmpfs", hardened, "size=4m,mode=0755"); err != nil {
		return fmt.Errorf("mount the new root: %w", err)
	}
	tmp := filepath.Join(root, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		return fmt.Errorf("scratch: %w", err)
	}
	if err := syscall.Mount("tmpfs", tmp, "tmpfs", hardened, fmt.Sprintf("size=%d,nr_inodes=%d,mode=1777", cfg.Scratch, scratchInodes)); err != nil {
		return fmt.Errorf("mount the scratch tmpfs: %w", err)
	}
	for _, dev := range []string{"null", "zero", "full", "random", "urandom"} {
		if err := bindPath("/dev/"+dev, root); err != nil {
			return err
		}
	}
	if err := writeEtc(root); err != nil {
		return err
	}
	// Nested paths are visible through their parent already; binding
	// them again would need a directory inside a read-only mount.
	paths := append([]string(nil), cfg.ReadOnly...)
	sort.Strings(paths)
	var bound []string
	for _, p := range paths {
		if covered(p, bound) {
			continue
		}
		if _, err := os.Stat(p); err != nil && slices.Contains(systemLibs, p) {
			continue // not every system has every library directory
		}
		if err := bindPath(p, root); err != nil {
			return err
		}
		bound = append(bound, p)
	}
	if a := cfg.Artifacts; a != "" {
		if covered(a, bound) {
			return fmt.Errorf("artifacts directory %s lies in a read-only path", a)
		}
		target := filepath.Join(root, a)
		if err := os.MkdirAll(target, 0o755); err != nil {
			return fmt.Errorf("artifacts mount point: %w", err)
		}
		opts := fmt.Sprintf("size=%d,nr_inodes=%d,mode=1777", artifactsSize, artifactsFiles+2)
		if err := syscall.Mount("tmpfs", target, "tmpfs", hardened|syscall.MS_NOEXEC, opts); err != nil {
			return fmt.Errorf("mount the artifacts tmpfs: %w", err)
		}
	}
	if err := syscall.Mount("", root, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY|hardened, ""); err != nil {
		return fmt.Errorf("make the new root read-only: %w", err)
	}
	// pivot_root(".", ".") stacks the old root under the new one; the
	// detach then drops it, with every host mount it held.
	if err := os.Chdir(root); err != nil {
		return fmt.Errorf("enter the new root: %w", err)
	}
	if err := syscall.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := syscall.Unmount(".", syscall.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := os.Chdir("/"); err != nil {
		return fmt.Errorf("chdir /: %w", err)
	}
	return nil
}

// covered reports whether p is one of dirs or lies inside one.
func covered(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// bindPath shows the host path p read-only at the same path under root (a
// read-only device still reads and writes; its inode cannot be changed). A
// mount's flags locked by the host (nosuid, nodev, noexec, atime) must be
// repeated when it is remounted from a user namespace.
func bindPath(p, root string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("sandbox path: %w", err)
	}
	target := filepath.Join(root, p)
	if st.IsDir() {
		err = os.MkdirAll(target, 0o755)
	} else if err = os.MkdirAll(filepath.Dir(target), 0o755); err == nil {
		var f *os.File
		if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("sandbox mount point for %s: %w", p, err)
	}
	if err := syscall.Mount(p, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", p, err)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(target, &fs); err != nil {
		return fmt.Errorf("statfs %s: %w", p, err)
	}
	const kept = syscall.MS_NOSUID | syscall.MS_NODEV | syscall.MS_NOEXEC |
		syscall.MS_NOATIME | syscall.MS_NODIRATIME | syscall.MS_RELATIME
	flags := uintptr(fs.Flags)&kept | syscall.MS_BIND | syscall.MS_REMOUNT | syscall.MS_RDONLY | syscall.MS_NOSUID
	if err := syscall.Mount("", target, "", flags, ""); err != nil {
		return fmt.Errorf("make %s read-only: %w", p, err)
	}
	return nil
}

// writeEtc writes the few files of /etc a Go test may read: localhost must
// resolve (net.Listen("tcp", "localhost:0")), and os/user should find the
// sandbox's user.
func writeEtc(root string) error {
	etc := filepath.Join(root, "etc")
	files := map[string]string{
		"hosts":         "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n",
		"nsswitch.conf": "hosts: files\n",
		"passwd":        fmt.Sprintf("student:x:%d:%d:student:/tmp:/nonexistent\n", sandboxUID, sandboxUID),
		"group":         fmt.Sprintf("student:x:%d:\n", sandboxUID),
	}
	if err := os.Mkdir(etc, 0o755); err != nil {
		return fmt.Errorf("sandbox /etc: %w", err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("sandbox /etc: %w", err)
		}
	}
	return nil
}

// loopbackUp sets IFF_UP on lo, the one interface a new network namespace
// has (down at first).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer syscall.Close(fd)
	// struct ifreq: the name, then a union whose first member for this
	// call is the short flags.
	var req struct {
		name  [syscall.IFNAMSIZ]byte
		flags uint16
		_     [22]byte
	}
	copy(req.name[:], "lo")
	req.flags = syscall.IFF_UP | syscall.IFF_LOOPBACK | syscall.IFF_RUNNING
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&req))); e != 0 {
		return fmt.Errorf("SIOCSIFFLAGS lo: %w", e)
	}
	return nil
}

// dropPrivileges sets the test's limits and makes sure the exec that
// starts it grants no capability: an empty bounding set, no ambient
// capabilities, no new privileges. The launcher itself keeps its
// capabilities (a process without them cannot ptrace or signal it) and
// becomes undumpable.
func dropPrivileges(cfg launchConfig) error {
	prctl := func(op, arg uintptr) syscall.Errno {
		_, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, op, arg, 0, 0, 0, 0)
		return e
	}
	for c := uintptr(0); c < 64; c++ {
		if e := prctl(prCapbsetDrop, c); e != 0 && e != syscall.EINVAL {
			return fmt.Errorf("drop capability %d from the bounding set: %w", c, e)
		}
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_PRCTL, prCapAmbient, prCapAmbientClear, 0, 0, 0, 0); e != 0 {
		return fmt.Errorf("clear ambient capabilities: %w", e)
	}
	if e := prctl(prSetNoNewPrivs, 1); e != 0 {
		return fmt.Errorf("no_new_privs: %w", e)
	}
	if e := prctl(prSetDumpable, 0); e != 0 {
		return fmt.Errorf("undumpable: %w", e)
	}
	limits := []struct {
		res int
		cur uint64
		max uint64
		why string
	}{
		{rlimitNPROC, cfg.NProc, cfg.NProc, "process count"},
		{rlimitFSIZE, cfg.FSize, cfg.FSize, "file size"},
		{rlimitCPU, cfg.CPU, cfg.CPU + 1, "CPU time"},
		// Last: the launcher allocates little after this.
		{rlimitAS, cfg.AS, cfg.AS, "address space"},
	}
	for _, l := range limits {
		if l.cur == 0 {
			continue
		}
		if err := syscall.Setrlimit(l.res, &syscall.Rlimit{Cur: l.cur, Max: l.max}); err != nil {
			return fmt.Errorf("set %s limit: %w", l.why, err)
		}
	}
	return nil
}

// probe is the sandbox check's verdict, computed once.
var probe struct {
	once sync.Once
	err  error
}

// SandboxError reports why tests cannot run in a Sandbox on this machine
// (nil: they can). It tries once, by starting this binary in one.
func SandboxError() error {
	probe.once.Do(func() {
		self, err := os.Executable()
		if err != nil {
			probe.err = fmt.Errorf("find the runner's binary: %w", err)
			return
		}
		root, err := os.MkdirTemp("", "distlabs-sandbox-")
		if err != nil {
			probe.err = fmt.Errorf("sandbox root: %w", err)
			return
		}
		defer os.Remove(root)
		cmd := exec.Command(self)
		cmd.Dir = "/"
		cmd.Env = append(sandboxEnv(), probeEnv+"=1")
		if err := sandboxExec(cmd, &Sandbox{Scratch: 1 << 20}, sandboxRun{root: root}); err != nil {
			probe.err = err
			return
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			msg := strings.TrimSpace(string(out))
			if msg == "" {
				msg = err.Error()
			}
			probe.err = fmt.Errorf("namespaces unavailable: %s", strings.TrimPrefix(msg, execFailedPrefix))
		}
	})
	return probe.err
}
