package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// limits are the machine's own speeds, measured in the benchmark's
// directory just before the sort, so that each phase can be compared with
// what the hardware does in this run (MB/s; 0 = not measured).
type limits struct {
	memcpy float64 // one core copying memory already touched
	// freshMem is one core touching memory new to the process (a page
	// fault per 4 KB page). On a VM the host may have to back each new
	// page too, and how fast it does varies from run to run (measured
	// here: 3-5x between runs); the bins of the sort and the page cache
	// its output goes to are new memory.
	freshMem   float64
	cacheWrite float64 // writing a new file into the page cache
	diskWrite  float64 // writing a file and fdatasync'ing it
	cacheRead  float64 // reading a file held in the page cache
	diskRead   float64 // reading a file after dropping its cached pages
	loopback   float64 // one TCP connection over loopback
}

// limitMB is how much each measurement moves: large enough to leave the
// CPU caches, small enough to take well under a second each.
const limitMB = 256

// measureLimits measures the machine's limits using dir for files.
func measureLimits(dir string) (limits, error) {
	var l limits
	buf := make([]byte, limitMB<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	dst := make([]byte, len(buf))
	t := time.Now()
	for i := 0; i < len(dst); i += 4096 {
		dst[i] = 1
	}
	l.freshMem = mbps(len(dst), time.Since(t))
	t = time.Now()
	copy(dst, buf)
	l.memcpy = mbps(len(buf), time.Since(t))

	name := filepath.Join(dir, "limits")
	defer os.Remove(name)
	f, err := os.Create(name)
	if err != nil {
		return l, fmt.Errorf("limits: %w", err)
	}
	t = time.Now()
	for off := 0; off < len(buf); off += 4 << 20 {
		if _, err := f.Write(buf[off : off+4<<20]); err != nil {
			f.Close()
			return l, fmt.Errorf("limits: %w", err)
		}
	}
	l.cacheWrite = mbps(len(buf), time.Since(t))
	if err := f.Sync(); err != nil {
		f.Close()
		return l, fmt.Errorf("limits: %w", err)
	}
	l.diskWrite = mbps(len(buf), time.Since(t))
	if err := f.Close(); err != nil {
		return l, fmt.Errorf("limits: %w", err)
	}
	if l.cacheRead, err = readSpeed(name, dst); err != nil {
		return l, err
	}
	if err := dropCache(name); err == nil {
		if l.diskRead, err = readSpeed(name, dst); err != nil {
			return l, err
		}
	} else if !errors.Is(err, errNoDrop) {
		return l, err
	}
	if l.loopback, err = loopbackSpeed(buf); err != nil {
		return l, err
	}
	return l, nil
}

// readSpeed reads the file at name into buf in 4 MB reads.
func readSpeed(name string, buf []byte) (float64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	defer f.Close()
	t := time.Now()
	n, err := io.ReadFull(f, buf)
	if err != nil {
		return 0, fmt.Errorf("limits: read back: %w", err)
	}
	return mbps(n, time.Since(t)), nil
}

// loopbackSpeed sends buf over one TCP connection on loopback in 256 KB
// writes (the sort's frame size) and receives it.
func loopbackSpeed(buf []byte) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("limits: %w", err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	var sendErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			sendErr = err
			return
		}
		defer c.Close()
		for off := 0; off < len(buf); off += 256 << 10 {
			if _, err := c.Write(buf[off : off+256<<10]); err != nil {
				sendErr = err
				return
			}
		}
	}()
	c, err := ln.Accept()
	if err != nil {
		wg.Wait()
		return 0, fmt.Errorf("limits: %w", err)
	}
	defer c.Close()
	rbuf := make([]byte, 256<<10)
	t := time.Now()
	var n int64
	for {
		k, err := c.Read(rbuf)
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			wg.Wait()
			return 0, fmt.Errorf("limits: loopback: %w", err)
		}
	}
	d := time.Since(t)
	wg.Wait()
	if sendErr != nil {
		return 0, fmt.Errorf("limits: loopback: %w", sendErr)
	}
	return mbps(int(n), d), nil
}

// errNoDrop says the system cannot drop one file's cached pages.
var errNoDrop = errors.New("cannot drop a file's cached pages here")

func mbps(n int, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }
