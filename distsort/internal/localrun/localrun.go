// Package localrun starts a distsort cluster as N local netsort processes
// on loopback, for the demo command, the benchmark and the real-process
// test.
package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"distlabs/distsort"
	"distlabs/test/labtest/labcmd"
)

// FreeAddrs returns n loopback addresses whose ports were free a moment
// ago: each is found by listening on port 0 and closing the listener. All n
// listeners are open at once so the ports are distinct.
func FreeAddrs(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close() // freeing the port is the point
		}
	}()
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port: %w", err)
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}

// Proc is the outcome of one server process.
type Proc struct {
	ID     int
	Wall   time.Duration    // from start of the cluster to this process's exit
	MaxRSS int64            // peak resident set size in bytes
	CPU    time.Duration    // user + system CPU time
	Result *distsort.Result // the server's result, with Cluster.StatsDir
	Stderr string
	Err    error
}

// Cluster describes a local run.
type Cluster struct {
	Bin     string   // netsort binary
	Config  string   // cluster config file (written by Run)
	Inputs  []string // one per server
	Outputs []string
	Flags   []string // extra netsort flags, e.g. -split=sample -v
	// StatsDir, if set, asks every server for its per-phase figures
	// (netsort -stats); Run reads them into Proc.Result.
	StatsDir string
}

// Run picks free ports, writes the config and runs one process per server,
// all started at once; it returns when every process has exited, with the
// wall time of the whole run. If a process fails, the others are killed.
// A port taken by someone else between picking and binding is retried with
// fresh ports (up to 3 attempts).
func (c *Cluster) Run(ctx context.Context) ([]Proc, time.Duration, error) {
	for attempt := 1; ; attempt++ {
		procs, wall, err := c.runOnce(ctx)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			return procs, wall, err
		}
	}
}

func (c *Cluster) runOnce(ctx context.Context) ([]Proc, time.Duration, error) {
	n := len(c.Inputs)
	addrs, err := FreeAddrs(n)
	if err != nil {
		return nil, 0, err
	}
	if err := distsort.WriteCluster(c.Config, addrs); err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	procs := make([]Proc, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		args := append([]string{}, c.Flags...)
		if c.StatsDir != "" {
			args = append(args, "-stats", c.statsFile(i))
		}
		args = append(args, strconv.Itoa(i), c.Inputs[i], c.Outputs[i], c.Config)
		cmd := exec.CommandContext(ctx, c.Bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		procs[i].ID = i
		if err := cmd.Start(); err != nil {
			procs[i].Err = fmt.Errorf("start server %d: %w", i, err)
			cancel()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Wait()
			p := &procs[i]
			p.Wall = time.Since(start)
			p.Stderr = stderr.String()
			if err != nil {
				p.Err = fmt.Errorf("server %d: %w: %s", i, err, p.Stderr)
				cancel() // one server failed: the run cannot succeed
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				p.MaxRSS = ru.Maxrss * 1024 // kilobytes on Linux
				p.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	// Report the first failure in time order: later ones were killed.
	var first *Proc
	for i := range procs {
		if p := &procs[i]; p.Err != nil && (first == nil || p.Wall < first.Wall) {
			first = p
		}
	}
	if first != nil {
		return procs, wall, first.Err
	}
	if c.StatsDir != "" {
		for i := range procs {
			b, err := os.ReadFile(c.statsFile(i))
			if err != nil {
				return procs, wall, fmt.Errorf("server %d stats: %w", i, err)
			}
			procs[i].Result = new(distsort.Result)
			if err := json.Unmarshal(b, procs[i].Result); err != nil {
				return procs, wall, fmt.Errorf("server %d stats: %w", i, err)
			}
		}
	}
	return procs, wall, nil
}

// statsFile is where server i writes its result.
func (c *Cluster) statsFile(i int) string {
	return filepath.Join(c.StatsDir, fmt.Sprintf("stats-%d.json", i))
}

// BuildNetsort builds the netsort command into dir and returns its path
// (the grader's prebuilt copy under grading; see labcmd). It uses the go
// command on PATH (go test and go run put their own first).
func BuildNetsort(dir string) (string, error) {
	bin, err := labcmd.Build("distlabs/distsort/cmd/netsort", dir)
	if err != nil {
		return "", fmt.Errorf("build netsort: %w", err)
	}
	return bin, nil
}
