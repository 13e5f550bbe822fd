//solution:file

package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"distlabs/mapreduce"
	"distlabs/test/labtest"
)

// Issue 11: a missing input only warned, and the job then waited forever
// for a task no worker could do. The coordinator refuses before it listens
// and names the file.
func TestCoordinatorRefusesMissingInput(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := labtest.TempFiles(t, map[string]string{"there.txt": "a b\n"})
		var out, errOut bytes.Buffer
		code := run([]string{"coordinator", "-addr", "127.0.0.1:0", "-dir", dir, "there.txt", "missing.txt"}, &out, &errOut)
		if code != exitError || !strings.Contains(errOut.String(), "missing.txt") || strings.Contains(out.String(), "listening") {
			t.Fatalf("exit %d, stdout %q, stderr %q: want exit %d naming missing.txt before listening", code, out.String(), errOut.String(), exitError)
		}
	})
}

// Issue 11: with a coordinator that accepts connections but never answers
// (hung, not dead), -patience was ignored: every call waited for the
// link's 10 s timeout, MaxFailures times. Each call now has one deadline
// of -patience, and the worker gives up after -patience of failures.
func TestWorkerPatienceWithHungCoordinator(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var held []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				held = append(held, c) // read nothing, answer nothing
				mu.Unlock()
			}
		}()
		release := func() {
			ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range held {
				c.Close()
			}
		}
		defer release()
		exited := make(chan int, 1)
		var errOut bytes.Buffer
		start := time.Now()
		go func() {
			exited <- run([]string{"worker", "-patience", "500ms", "-poll", "50ms", ln.Addr().String()}, io.Discard, &errOut)
		}()
		select {
		case code := <-exited:
			if el := time.Since(start); code != exitCoordinator || el > 3*time.Second {
				t.Fatalf("worker exited %d after %v, want %d within a few -patience", code, el, exitCoordinator)
			}
		case <-time.After(5 * time.Second):
			release() // let the worker end, then fail
			<-exited
			t.Fatalf("worker with -patience 500ms still waiting on a hung coordinator after 5 s")
		}
	})
}

// A whole job through the CLI in one process: stale temporary files and an
// old done marker are cleaned at start; at the end mr-done lists the
// outputs, mr-out-* matches exactly the outputs, and they are 0644 minus
// the umask.
func TestCoordinatorJobDirLifecycle(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		dir := t.TempDir()
		old := syscall.Umask(0o022)
		defer syscall.Umask(old)
		inputs := []string{"a.txt", "b.txt"}
		for i, name := range inputs {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Repeat("x y z\n", i+1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		stale := []string{filepath.Join(mapreduce.TempDir, "mr-out-0.tmp-1"), "mr-out-1.tmp-2", mapreduce.DoneMarker}
		if err := os.MkdirAll(filepath.Join(dir, mapreduce.TempDir), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range stale {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("stale\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pr, pw := io.Pipe()
		coordDone := make(chan int, 1)
		var coordErr bytes.Buffer
		go func() {
			defer pw.Close()
			coordDone <- run(append([]string{"coordinator", "-addr", "127.0.0.1:0", "-nreduce", "3", "-linger", "200ms", "-dir", dir}, inputs...), pw, &coordErr)
		}()
		br := bufio.NewReader(pr)
		line, err := br.ReadString('\n')
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		if err != nil || !ok {
			t.Fatalf("coordinator's first line %q (%v); stderr %q", line, err, coordErr.String())
		}
		go func() { _, _ = io.Copy(io.Discard, br) }()
		for _, name := range stale[:2] { // cleaned before listening
			if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
				t.Errorf("stale %s still there once the coordinator listens: %v", name, err)
			}
		}
		var workerErr bytes.Buffer
		if code := run([]string{"worker", "-app", "wc", "-dir", dir, "-poll", "20ms", addr}, io.Discard, &workerErr); code != exitOK && code != exitCoordinator {
			t.Fatalf("worker exit %d: %s", code, workerErr.String())
		}
		if code := <-coordDone; code != exitOK {
			t.Fatalf("coordinator exit %d: %s", code, coordErr.String())
		}
		marker, err := os.ReadFile(filepath.Join(dir, mapreduce.DoneMarker))
		if err != nil || string(marker) != "mr-out-0\nmr-out-1\nmr-out-2\n" {
			t.Fatalf("%s: %q, %v", mapreduce.DoneMarker, marker, err)
		}
		outs, err := filepath.Glob(filepath.Join(dir, "mr-out-*"))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range outs {
			names = append(names, filepath.Base(o))
			fi, err := os.Stat(o)
			if err != nil {
				t.Fatal(err)
			}
			if m := fi.Mode().Perm(); m != 0o644 {
				t.Errorf("%s: mode %v under umask 022, want -rw-r--r--", o, m)
			}
		}
		if want := []string{"mr-out-0", "mr-out-1", "mr-out-2"}; !slices.Equal(names, want) {
			t.Fatalf("mr-out-* matches %q, want %q", names, want)
		}
	})
}
