//go:build linux

package gotest

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The resident-memory watch misses memory a sandboxed test holds outside
// its address space: files in memfd descriptors, socket buffers, tmpfs
// pages and inodes. A memory cgroup counts all of it. Where this process
// may create one (root with a cgroup v1 memory controller, or a cgroup v2
// tree with the memory controller delegated to it), each sandbox gets its
// own, which its launcher joins before it starts anything, with a limit of
// MEMLIMIT + SCRATCH + slack; the kernel's OOM killer enforces it and the
// runner reads the cgroup's OOM count afterwards. Elsewhere the watch of
// resident memory is all there is, and Isolation says so.

// tcpLimit caps socket buffers under a cgroup v1 controller, where they
// are only accounted once a limit is set.
const tcpLimit = 256 << 20

// memCgroup is one sandbox's memory cgroup.
type memCgroup struct {
	dir string
	v2  bool
}

// memParent is where sandboxes' cgroups are made, found once.
var memParent struct {
	once sync.Once
	dir  string
	v2   bool
	err  error
	seq  int
	mu   sync.Mutex
}

// findMemParent locates this process's own memory cgroup directory.
func findMemParent() (string, bool, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	v1, v2 := "", ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" {
			v2 = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == "memory" {
				v1 = parts[2]
			}
		}
	}
	if v1 != "" {
		dir := filepath.Join("/sys/fs/cgroup/memory", v1)
		if _, err := os.Stat(filepath.Join(dir, "memory.limit_in_bytes")); err == nil {
			return dir, false, nil
		}
	}
	if v2 != "" {
		dir := filepath.Join("/sys/fs/cgroup", v2)
		ctl, err := os.ReadFile(filepath.Join(dir, "cgroup.subtree_control"))
		if err == nil && strings.Contains(" "+string(ctl), " memory") {
			return dir, true, nil
		}
	}
	return "", false, errors.New("no memory cgroup controller this process can use")
}

// newMemCgroup makes a memory cgroup limited to limit bytes.
func newMemCgroup(limit int64) (*memCgroup, error) {
	memParent.once.Do(func() { memParent.dir, memParent.v2, memParent.err = findMemParent() })
	if memParent.err != nil {
		return nil, memParent.err
	}
	memParent.mu.Lock()
	memParent.seq++
	name := fmt.Sprintf("distlabs-%d-%d", os.Getpid(), memParent.seq)
	memParent.mu.Unlock()
	cg := &memCgroup{dir: filepath.Join(memParent.dir, name), v2: memParent.v2}
	if err := os.Mkdir(cg.dir, 0o755); err != nil {
		return nil, fmt.Errorf("memory cgroup: %w", err)
	}
	set := func(file string, v int64) error {
		return os.WriteFile(filepath.Join(cg.dir, file), []byte(strconv.FormatInt(v, 10)), 0)
	}
	var err error
	if cg.v2 {
		err = set("memory.max", limit)
		if err == nil {
			_ = set("memory.swap.max", 0) // absent without swap accounting
		}
	} else {
		err = set("memory.limit_in_bytes", limit)
		if err == nil {
			_ = set("memory.memsw.limit_in_bytes", limit) // absent without swap accounting
			err = set("memory.kmem.tcp.limit_in_bytes", tcpLimit)
		}
	}
	if err != nil {
		cg.remove()
		return nil, fmt.Errorf("memory cgroup: %w", err)
	}
	return cg, nil
}

// procs is the file a process writes its pid to, to join the cgroup.
func (cg *memCgroup) procs() string { return filepath.Join(cg.dir, "cgroup.procs") }

// ooms reports how many processes the kernel killed for the cgroup's
// limit.
func (cg *memCgroup) ooms() int {
	file := "memory.oom_control"
	if cg.v2 {
		file = "memory.events"
	}
	data, err := os.ReadFile(filepath.Join(cg.dir, file))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "oom_kill "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// remove deletes the cgroup once its last process has gone (the kernel
// needs a moment after the processes were killed).
func (cg *memCgroup) remove() {
	for range 100 {
		if err := os.Remove(cg.dir); err == nil || errors.Is(err, os.ErrNotExist) {
			return
		}
		time.Sleep(10 * time.Millisecond) // real processes exiting
	}
}

// MemoryCgroupError reports why sandboxed tests get no memory cgroup here
// (nil: they do).
func MemoryCgroupError() error {
	cg, err := newMemCgroup(1 << 30)
	if err != nil {
		return err
	}
	cg.remove()
	return nil
}
