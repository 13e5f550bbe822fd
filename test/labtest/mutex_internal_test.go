package labtest

import (
	"strings"
	"testing"
)

// A dump of a self-deadlock: ticker holds rf.mu (at receiver+8) and calls
// GetState, which locks it again; the test's goroutine waits in GetState
// too.
const selfDeadlockDump = `goroutine 23 [sync.Mutex.Lock, synctest bubble 1]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0x3f70131860c8)
	internal/sync/mutex.go:149 +0x15d
internal/sync.(*Mutex).Lock(...)
	internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
distlabs/raft.(*Raft).GetState(0x0?)
	distlabs/raft/raft.go:17 +0x4b
distlabs/raft.(*Raft).ticker(0x3f70131860c0)
	distlabs/raft/election.go:21 +0x5b
created by distlabs/raft.Make in goroutine 22
	distlabs/raft/raft.go:60 +0x99

goroutine 24 [sync.Mutex.Lock, synctest bubble 1]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	runtime/sema.go:95 +0x25
internal/sync.(*Mutex).lockSlow(0x3f70131860c8)
	internal/sync/mutex.go:149 +0x15d
sync.(*Mutex).Lock(...)
	sync/mutex.go:46
distlabs/raft.(*Raft).GetState(0x3f70131860c0)
	distlabs/raft/raft.go:17 +0x4b
distlabs/raft_test.(*config).checkOneLeader(0x3f7013186200)
	distlabs/raft/config_test.go:80 +0x1b

goroutine 25 [sleep (durable), synctest bubble 1]:
time.Sleep(0x3b9aca00)
	runtime/time.go:361 +0x145
`

// TestMutexWaits: the diagnosis names the mutex, the functions waiting
// for it and their callers, and points at the caller that is a method of
// the mutex's own object (the self-deadlock).
func TestMutexWaits(t *testing.T) {
	got := mutexWaits([]byte(selfDeadlockDump))
	for _, want := range []string{
		"2 goroutine(s) wait for the mutex at 0x3f70131860c8",
		"raft.(*Raft).GetState (distlabs/raft/raft.go:17) called from raft.(*Raft).ticker (distlabs/raft/election.go:21)",
		"below raft.(*Raft).ticker (distlabs/raft/election.go:21), a method of the object it belongs to, which may already hold it",
		"not reentrant",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("mutexWaits lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "config).checkOneLeader (distlabs/raft/config_test.go:80), a method") {
		t.Errorf("the test's own caller is on another object, not a holder:\n%s", got)
	}
	if got := mutexWaits([]byte("goroutine 25 [sleep (durable)]:\ntime.Sleep(0x1)\n\truntime/time.go:361 +0x145\n")); got != "" {
		t.Errorf("no mutex waiter, yet %q", got)
	}
}
