//solution:file

package distsort

import (
	"syscall"
	"unsafe"
)

// clockThreadCPUTime is Linux's CLOCK_THREAD_CPUTIME_ID.
const clockThreadCPUTime = 3

// threadCPU returns the CPU time (user and system) of the calling thread
// in nanoseconds.
func threadCPU() int64 {
	var ts syscall.Timespec
	// The clock exists on every Linux since 2.6.12, and ts is valid, so
	// the call cannot fail; a zero reading would only skew the table.
	_, _, _ = syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}
