package gotest

import (
	"os/exec"
	"sync"
)

// The processes this package started and still waits for. KillOrphans
// (the subreaper's sweep) must not kill them: several gradings may run in
// one process, and one's sweep happens while another's tests run.
var active = struct {
	sync.Mutex
	pids map[int]bool
}{pids: map[int]bool{}}

// startRegistered starts cmd and records its pid, atomically with respect
// to KillOrphans.
func startRegistered(cmd *exec.Cmd) error {
	active.Lock()
	defer active.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	active.pids[cmd.Process.Pid] = true
	return nil
}

// unregister forgets a process once it has been waited for.
func unregister(cmd *exec.Cmd) {
	active.Lock()
	defer active.Unlock()
	delete(active.pids, cmd.Process.Pid)
}

// runRegistered is cmd.Run for a registered process.
func runRegistered(cmd *exec.Cmd) error {
	if err := startRegistered(cmd); err != nil {
		return err
	}
	defer unregister(cmd)
	return cmd.Wait()
}
