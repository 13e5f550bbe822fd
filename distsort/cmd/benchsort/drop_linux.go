package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// dropCache asks the kernel to drop the cached pages of the file at name
// (clean after its fdatasync), so the next read comes from the disk. It
// touches only this file, unlike writing to /proc/sys/vm/drop_caches.
func dropCache(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	defer f.Close()
	const fadvDontNeed = 4 // POSIX_FADV_DONTNEED
	if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); e != 0 {
		return fmt.Errorf("limits: fadvise: %w", e)
	}
	return nil
}

// dirtyMB returns how much of the page cache waits to be written back
// (Dirty in /proc/meminfo). The kernel's flusher threads write it on the
// same cores the sort uses, so a run that starts with much of it is slower.
func dirtyMB() (float64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Dirty:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1000, err == nil
		}
	}
	return 0, false
}
