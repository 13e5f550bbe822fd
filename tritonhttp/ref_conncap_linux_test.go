//solution:file

package tritonhttp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// childEnv makes the test binary act as a TCP server process instead of
// running tests: "NOFILE:DOCROOT" serves DOCROOT as host "site" on an
// ephemeral loopback port, printed on stdout, with RLIMIT_NOFILE lowered to
// NOFILE (soft and hard, so the Go runtime cannot raise it again), until
// its stdin closes. A separate process is the only honest way to run out of
// descriptors: the clients of the test must not share the server's table.
const childEnv = "TRITONHTTP_TEST_CHILD"

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := serveChild(spec); err != nil {
			fmt.Fprintln(os.Stderr, "child server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild is the child process's body (see childEnv).
func serveChild(spec string) error {
	n, dir, ok := strings.Cut(spec, ":")
	if !ok {
		return fmt.Errorf("bad %s %q", childEnv, spec)
	}
	nofile, err := strconv.ParseUint(n, 10, 64)
	if err != nil {
		return fmt.Errorf("bad %s %q: %w", childEnv, spec, err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: nofile, Max: nofile}); err != nil {
		return fmt.Errorf("setrlimit: %w", err)
	}
	srv, err := NewServer(Config{VirtualHosts: map[string]string{"site": dir}})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Println(l.Addr())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin) // the parent closes stdin (or dies)
		srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		return err
	}
	return nil
}

// startChild runs the test binary as a server process (see childEnv) and
// returns its address; the process ends when the test does.
func startChild(t *labtest.T, nofile int, docroot string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%s", childEnv, nofile, docroot))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = stdin.Close() // asks the child to stop
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("child server: %v", err)
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill() // stuck: the error is reported below
			<-exited
			t.Errorf("child server did not stop within 10 s of its stdin closing")
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child server printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}

// The probe: with the descriptor limit low, clients that connect,
// send nothing and reconnect as soon as they are dropped held every
// descriptor; normal GETs then waited in the accept queue behind them for
// whole timeouts, or were accepted only to find no descriptor left to open
// the file (500). With the connection cap below the descriptor limit, and
// the longest-waiting connection closed to make room once it has waited
// Timeout/20, every well-behaved GET is answered, 200, after about
// (silent-cap)/cap times 250 ms (0.6 s here).
func TestSilentClientsFdLimitTCP(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: silent clients past the fd limit do not stop a GET")
		const (
			nofile   = 256
			silent   = 400 // more than the server has descriptors
			gets     = 8
			patience = 3 * time.Second // per GET; the silent clients' timeout is 5 s
		)
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < silent+gets+64 {
			t.Skipf("the test needs %d descriptors for its clients (limit %d, %v)", silent+gets+64, lim.Cur, err)
		}
		root := t.TempDir()
		labtest.WriteFiles(t, root, map[string]string{"a.txt": "alpha\n"})
		addr := startChild(t, nofile, root)

		// Each silent client connects, sends nothing, waits for the server
		// to drop it, and reconnects.
		var (
			stop    atomic.Bool
			opened  atomic.Int64
			wg      sync.WaitGroup
			mu      sync.Mutex
			current = make([]net.Conn, silent) // closed at the end to unblock the readers
		)
		defer func() {
			stop.Store(true)
			mu.Lock()
			for _, c := range current {
				if c != nil {
					_ = c.Close() // the reader sees the close and stops
				}
			}
			mu.Unlock()
			wg.Wait()
		}()
		for i := range silent {
			wg.Go(func() {
				for !stop.Load() {
					c, err := net.DialTimeout("tcp", addr, time.Second)
					if err != nil {
						time.Sleep(10 * time.Millisecond)
						continue
					}
					opened.Add(1)
					mu.Lock()
					current[i] = c
					mu.Unlock()
					if stop.Load() {
						_ = c.Close() // the final sweep may have run before we stored c
						return
					}
					_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
					_, _ = io.Copy(io.Discard, c)
					_ = c.Close()
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
		// Let the silent clients fill every slot and the accept queue.
		for opened.Load() < silent && !stop.Load() {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(500 * time.Millisecond)

		// The GETs start 100 ms apart and overlap: each waits its turn in
		// the accept queue behind silent clients.
		var failed atomic.Int32
		var gw sync.WaitGroup
		for i := range gets {
			gw.Go(func() {
				start := time.Now()
				status, body, err := fetchOnce(addr, "/a.txt", patience)
				el := time.Since(start).Round(time.Millisecond)
				t.Logf("GET %d: %d after %v", i, status, el)
				if err != nil || status != http.StatusOK || body != "alpha\n" {
					failed.Add(1)
					t.Errorf("GET %d among %d silent clients: %d %q, %v after %v", i, silent, status, body, err, el)
				}
			})
			time.Sleep(100 * time.Millisecond)
		}
		gw.Wait()
		if n := failed.Load(); n > 0 {
			t.Fatalf("%d of %d well-behaved GETs failed with %d silent clients and RLIMIT_NOFILE %d", n, gets, silent, nofile)
		}
		t.Passed(1, gets, 0, 0)
	})
}

// fetchOnce sends one GET with "Connection: close" on a new connection and
// returns the status and body, all within patience.
func fetchOnce(addr, url string, patience time.Duration) (int, string, error) {
	deadline := time.Now().Add(patience)
	c, err := net.DialTimeout("tcp", addr, patience)
	if err != nil {
		return 0, "", err
	}
	defer c.Close()
	if err := c.SetDeadline(deadline); err != nil {
		return 0, "", err
	}
	if _, err := io.WriteString(c, getRequest("site", url, "Connection: close")); err != nil {
		return 0, "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}
