//solution:file

package surfstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Reference-only, real processes over loopback: what a hostile client
// costs a server in memory and file descriptors. Not graded: it reads
// /proc and binds 127.0.0.x source addresses, which the grader's sandbox
// does not offer. The figures it logs are the README's limits table.

// peakRSS is the process's peak resident set (VmHWM), in bytes.
func peakRSS(t *labtest.T, pid int) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// idleH2 opens a connection from src that sends the HTTP/2 preface and an
// empty SETTINGS frame, then nothing.
func idleH2(src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 2 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func TestRealProcessesHostile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the commands; skipped with -short")
	}
	labtest.RunRealtime(t, func(t *labtest.T) {
		bin := t.TempDir()
		buildCommands(t, bin)
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		// The server runs with 256 file descriptors, as a small machine
		// might give it; its connection cap follows (256-64).
		limited := t.TempDir()
		write(t, limited, "server", fmt.Appendf(nil, "#!/bin/sh\nulimit -n 256 || exit 9\nexec %q \"$@\"\n", filepath.Join(bin, "server")))
		if err := os.Chmod(filepath.Join(limited, "server"), 0o755); err != nil {
			t.Fatal(err)
		}
		addr, srv := startServer(t, ctx, limited, "-s", "both", "-p", "0", "-l")
		pid := srv.Process.Pid
		work := t.TempDir()
		config := filepath.Join(work, "config.json")
		write(t, work, "config.json", fmt.Appendf(nil, `{"RaftAddrs": [%q], "BlockAddrs": [%q]}`, addr, addr))
		syncOnce := func(name string) time.Duration {
			t.Helper()
			dir := t.TempDir()
			write(t, dir, name, []byte("a well-behaved client's file"))
			start := time.Now()
			if code, _, stderr := run(t, ctx, bin, "client", "-f", config, dir, "1024"); code != 0 {
				t.Fatalf("client sync of %s: exit %d: %s", name, code, stderr)
			}
			return time.Since(start)
		}
		syncOnce("before")
		base := peakRSS(t, pid)

		// Memory: 8 concurrent 20 MB PutBlocks and a 20 MB UpdateFile of
		// empty hashes, on one connection.
		cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
		if err != nil {
			t.Fatal(err)
		}
		defer cc.Close()
		block := make([]byte, 20<<20)
		var wg gosync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
				defer ccancel()
				_, err := surfstore.NewBlockStoreClient(cc).PutBlock(cctx, &surfstore.Block{BlockData: block, BlockSize: int32(len(block))})
				if err == nil {
					t.Errorf("a 20 MB PutBlock was accepted")
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
			defer ccancel()
			_, err := surfstore.NewMetaStoreClient(cc).UpdateFile(cctx, &surfstore.FileMetaData{Filename: "bomb", Version: 1, BlockHashList: make([]string, 10_000_000)})
			if err == nil {
				t.Errorf("an UpdateFile of 10M empty hashes was accepted")
			}
		}()
		during := syncOnce("during")
		wg.Wait()
		peak := peakRSS(t, pid)
		t.Logf("memory: peak RSS %.1f MB before, %.1f MB after 8 concurrent 20 MB PutBlocks and a 20 MB UpdateFile; a sync meanwhile took %v",
			float64(base)/1e6, float64(peak)/1e6, during.Round(time.Millisecond))
		if peak > base+100<<20 {
			t.Errorf("the server's peak RSS grew by %.0f MB under oversized requests", float64(peak-base)/1e6)
		}

		// Connections: 320 idle HTTP/2 connections from 127.0.0.2-6 (64 a
		// host, the per-host cap), more than the fd limit allows once the
		// server's own descriptors count; a well-behaved client still syncs.
		var idle []net.Conn
		defer func() {
			for _, c := range idle {
				c.Close()
			}
		}()
		for h := 2; h <= 6; h++ {
			for range 64 {
				c, err := idleH2(fmt.Sprintf("127.0.0.%d", h), addr)
				if err != nil {
					t.Fatalf("idle connection from 127.0.0.%d: %v", h, err)
				}
				idle = append(idle, c)
			}
		}
		time.Sleep(1500 * time.Millisecond) // silent for longer than EvictAfter
		took := syncOnce("after")
		open := 0
		buf := make([]byte, 4096)
		for _, c := range idle {
			for { // drain what the server sent; a closed one ends in EOF
				c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
				if _, err := c.Read(buf); err != nil {
					if isTimeout(err) {
						open++
					}
					break
				}
			}
		}
		t.Logf("connections: %d idle connections opened, %d still open after a sync, which took %v", len(idle), open, took.Round(time.Millisecond))
		if os.Getenv("SURFSTORE_MEASURE") != "" {
			c, err := idleH2("127.0.0.7", addr)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			c.SetReadDeadline(time.Now().Add(time.Minute))
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			t.Logf("an idle connection was closed after %v", time.Since(start).Round(100*time.Millisecond))
			c.Close()
		}
	})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
