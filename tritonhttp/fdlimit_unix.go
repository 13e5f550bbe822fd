//solution:file

//go:build unix

package tritonhttp

import "syscall"

// fdLimit returns the process's soft limit on open file descriptors (huge
// when unlimited), and false when it cannot be read.
func fdLimit() (uint64, bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, false
	}
	return uint64(lim.Cur), true // the conversion is for the BSDs, where Cur is an int64
}
