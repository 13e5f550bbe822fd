//solution:file

package distsort

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
	"distlabs/test/labtest/labcmd"
)

// Real processes, real TCP: server 1 is played by the test, speaking the
// wire protocol, and vanishes after sending part of its data. Servers 0 and
// 2 (netsort processes) must exit non-zero naming it, without output.
func TestRealProcessPeerDies(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: netsort processes when a peer dies mid-stream")
		dir := t.TempDir()
		bin, err := labcmd.Build("distlabs/distsort/cmd/netsort", dir)
		if err != nil {
			t.Fatal(err)
		}
		// Free ports: listen on port 0, note the port, close.
		var addrs []string
		var pls []net.Listener
		for range 3 {
			pl, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addrs = append(addrs, pl.Addr().String())
			pls = append(pls, pl)
		}
		for _, pl := range pls {
			_ = pl.Close() // the port is what we wanted
		}
		cfgPath := filepath.Join(dir, "cluster.yaml")
		if err := WriteCluster(cfgPath, addrs); err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp", addrs[1])
		if err != nil {
			t.Skipf("port taken meanwhile: %v", err)
		}
		defer l.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		type outcome struct {
			out []byte
			err error
		}
		results := make([]outcome, 3)
		var wg sync.WaitGroup
		for _, i := range []int{0, 2} {
			in := filepath.Join(dir, "in-"+string(rune('0'+i)))
			if err := GenerateFile(in, GenOptions{Records: 5000, Seed: uint64(i)}); err != nil {
				t.Fatal(err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := exec.CommandContext(ctx, bin, "-startup=10s", "-io-timeout=10s",
					string(rune('0'+i)), in, filepath.Join(dir, "out-"+string(rune('0'+i))), cfgPath).CombinedOutput()
				results[i] = outcome{out, err}
			}()
		}

		// Play server 1: accept both peers, dial both, send a hello and one
		// data frame to each, then drop every connection.
		var conns []net.Conn
		for range 2 {
			c, err := l.Accept()
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		token, err := ClusterToken(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		me := hello{from: 1, n: 3, mode: SplitEqual}.signed(token) // a real peer knows the token
		for _, j := range []int{0, 2} {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", addrs[j])
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if err := writeFrame(c, frameHello, me.encode()); err != nil {
				t.Fatal(err)
			}
			// Only records of the receiver's range: a real peer sends no
			// others, and a receiver fails at once on any other.
			if err := writeFrame(c, frameData, recordsOf(j, 3, 30)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(100 * time.Millisecond) // let the frames arrive: the death is mid-stream
		for _, c := range conns {
			_ = c.Close()
		}
		wg.Wait()
		names := func(i, j int) bool {
			return strings.Contains(string(results[i].out), fmt.Sprintf("peer %d (%s)", j, addrs[j]))
		}
		for _, i := range []int{0, 2} {
			r := results[i]
			t.Logf("server %d: %v: %s", i, r.err, strings.TrimSpace(string(r.out)))
			if r.err == nil {
				t.Fatalf("server %d succeeded although peer 1 died", i)
			}
			if ctx.Err() != nil {
				t.Fatalf("server %d hung: %s", i, r.out)
			}
			// Package doc, "Faults": each server reports the first failure
			// it saw, so one may name the other survivor, which aborted
			// because of peer 1 (and itself named peer 1).
			other := 2 - i
			if !names(i, 1) && !(names(i, other) && names(other, 1)) {
				t.Fatalf("server %d: error names neither peer 1 nor a survivor that did: %s", i, r.out)
			}
		}
		if !names(0, 1) && !names(2, 1) {
			t.Fatalf("no server names peer 1")
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "out") || strings.HasPrefix(e.Name(), ".out") {
				t.Fatalf("output %s left behind", e.Name())
			}
		}
		t.Passed(3, 0, 0, 0)
	})
}
