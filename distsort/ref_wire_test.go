//solution:file

package distsort

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"testing"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Issue 11: what a process that can reach a server's port (or kill it) can
// do to a run. These tests play such a process by hand on the simulated
// network, speaking this package's wire format.

// node is one server started by startNode; wait returns Run's outcome.
type node struct {
	in, out string
	done    chan error
}

func (nd *node) wait() error { return <-nd.done }

// startNode starts server i of an n-server cluster on rn with 1000 records
// of input in dir, listening at addr(i) (after the delay).
func startNode(t *labtest.T, rn *labrpc.Network, dir string, i, n int, token []byte, delay time.Duration) *node {
	t.Helper()
	nd := &node{
		in:   filepath.Join(dir, fmt.Sprintf("in-%d", i)),
		out:  filepath.Join(dir, fmt.Sprintf("out-%d", i)),
		done: make(chan error, 1),
	}
	if err := GenerateFile(nd.in, GenOptions{Records: 1000, Seed: uint64(t.Seed)*10 + uint64(i), FirstRow: uint64(i) << 32}); err != nil {
		t.Fatal(err)
	}
	peers := make([]string, n)
	for j := range n {
		peers[j] = addr(j)
	}
	go func() {
		time.Sleep(delay)
		l, err := rn.Listen(addr(i))
		if err != nil {
			nd.done <- err
			return
		}
		_, err = Run(context.Background(), Config{
			ID: i, Peers: peers, Listener: l, Token: token,
			Dial: func(ctx context.Context, a string) (net.Conn, error) {
				return rn.DialContext(ctx, host(i), a)
			},
			Input: nd.in, Output: nd.out,
			StartupTimeout: 10 * time.Second, IOTimeout: 30 * time.Second,
		})
		nd.done <- err
	}()
	return nd
}

// impostor dials server to, claiming to be server from of an n-server
// cluster, and sends recs as data followed by a matching end frame.
func impostor(t *labtest.T, rn *labrpc.Network, to, from, n int, token []byte, recs []byte) net.Conn {
	t.Helper()
	c, err := rn.Dial("intruder", addr(to))
	if err != nil {
		t.Fatal(err)
	}
	h := hello{from: from, n: n, mode: SplitEqual}.signed(token)
	if err := writeFrame(c, frameHello, h.encode()); err != nil {
		t.Fatal(err)
	}
	// A server that refuses the hello closes the connection, so these
	// writes may fail: that is the refusal, checked by the caller.
	if writeFrame(c, frameData, recs) == nil {
		_ = writeU64Frame(c, frameEnd, uint64(len(recs)/RecordSize))
	}
	return c
}

// recordsOf returns k generated records that fall in key range want of an
// n-server equal split.
func recordsOf(want, n, k int) []byte {
	p := EqualRanges(n)
	var out []byte
	all := GenerateRecords(GenOptions{Records: int64(40 * k * n), Seed: 77})
	for off := 0; off < len(all) && len(out) < k*RecordSize; off += RecordSize {
		if p.Dest(all[off:]) == want {
			out = append(out, all[off:off+RecordSize]...)
		}
	}
	return out
}

// againstNode runs a test against server 0 of an n-server cluster (with
// the run's token, if any) on a fresh network; body plays every other
// process, peers included.
func againstNode(t *testing.T, title string, n int, token []byte, body func(t *labtest.T, rn *labrpc.Network, n0 *node, dir string)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		dir := t.TempDir()
		body(t, rn, startNode(t, rn, dir, 0, n, token, 0), dir)
	})
}

// A process that knows nothing of the run can make a server allocate no
// more than a hello's bytes per connection, and cannot keep a connection
// in its handshake for long: frames that claim 16 MiB before any hello
// must not be allocated.
func TestHelloBeforeAllocation(t *testing.T) {
	againstNode(t, "Test: garbage connections cost a hello's bytes, for at most helloTimeout", 2, nil, func(t *labtest.T, rn *labrpc.Network, nd *node, _ string) {
		// Peer 1 never comes: the run fails at the end.
		time.Sleep(time.Second)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for k := range 8 {
			c, err := rn.Dial(fmt.Sprintf("junk%d", k), addr(0))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			typ := []byte{frameHello, frameData}[k%2]
			hdr := make([]byte, frameHeader)
			putHeader(hdr, typ, 16<<20-1)
			if _, err := c.Write(append(hdr, 1)); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Second)
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
			t.Errorf("8 connections claiming 16 MiB frames made the server allocate %d MiB", grew>>20)
		}
		// A connection that never completes its hello is dropped after
		// helloTimeout, not held for the whole startup window.
		silent, err := rn.Dial("silent", addr(0))
		if err != nil {
			t.Fatal(err)
		}
		defer silent.Close()
		silent.SetReadDeadline(time.Now().Add(helloTimeout + time.Second))
		if _, err := silent.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("a connection without a hello still open after %v: %v", helloTimeout+time.Second, err)
		}
		if err := nd.wait(); err == nil {
			t.Fatalf("server 0 succeeded without peer 1")
		}
		t.Passed(1, 0, 0, 0)
	})
}

// Trust (issue 11): a process claiming to be peer 1 must not get records
// into server 0's output. With the run's token, its hello is refused and
// the real peer 1, arriving later, takes its place.
func TestImpostorWithoutTokenIgnored(t *testing.T) {
	token := []byte("the run's token")
	againstNode(t, "Test: a hello without the run's token is refused", 2, token, func(t *labtest.T, rn *labrpc.Network, n0 *node, dir string) {
		time.Sleep(10 * time.Millisecond)
		c := impostor(t, rn, 0, 1, 2, []byte("a guess"), recordsOf(0, 2, 5))
		defer c.Close()
		n1 := startNode(t, rn, dir, 1, 2, token, time.Second)
		if err := n0.wait(); err != nil {
			t.Fatalf("server 0: %v", err)
		}
		if err := n1.wait(); err != nil {
			t.Fatalf("server 1: %v", err)
		}
		if _, err := Validate([]string{n0.in, n1.in}, []string{n0.out, n1.out}); err != nil {
			t.Fatalf("outputs do not match the inputs (records injected?): %v", err)
		}
		t.Passed(2, 0, 0, 0)
	})
}

// Without a token (library use), an impostor that gets in first can still
// only send records of the receiver's own range: anything else fails the
// run instead of landing in the output.
func TestRecordsOutsideRangeRejected(t *testing.T) {
	againstNode(t, "Test: records of another server's range fail the run", 2, nil, func(t *labtest.T, rn *labrpc.Network, n0 *node, dir string) {
		// The impostor also takes peer 1's address, so server 0's own dial
		// to peer 1 reaches it; it swallows whatever comes.
		l, err := rn.Listen(addr(1))
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					_, _ = io.Copy(io.Discard, c) // swallow until server 0 closes
				}()
			}
		}()
		time.Sleep(10 * time.Millisecond)
		c := impostor(t, rn, 0, 1, 2, nil, recordsOf(1, 2, 5))
		defer c.Close()
		err = n0.wait()
		if err == nil || !strings.Contains(err.Error(), "key range") {
			t.Fatalf("server 0 took records of range 1 from peer 1: err %v", err)
		}
		if _, err := os.Stat(n0.out); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("output left behind: %v", err)
		}
		t.Passed(1, 0, 0, 0)
	})
}

// A second hello for a peer that already has a connection fails the run:
// one of the two is not who it claims to be.
func TestSecondHelloForPeerFails(t *testing.T) {
	againstNode(t, "Test: a second hello for the same peer id fails the run", 3, nil, func(t *labtest.T, rn *labrpc.Network, n0 *node, dir string) {
		time.Sleep(10 * time.Millisecond)
		for range 2 {
			c := impostor(t, rn, 0, 1, 3, nil, nil)
			defer c.Close()
		}
		if err := n0.wait(); err == nil || !strings.Contains(err.Error(), "second connection") {
			t.Fatalf("server 0 after two hellos from peer 1: %v", err)
		}
		t.Passed(1, 0, 0, 0)
	})
}

// A run removes what a killed earlier run of the same output left behind,
// and its output is created 0644 minus the umask, not 0600.
func TestStaleTempsAndOutputMode(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: stale temporary files removed; output 0644 minus umask")
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
		if err := GenerateFile(in, GenOptions{Records: 100, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		stale := filepath.Join(dir, ".out.tmp-killed")
		other := filepath.Join(dir, ".other.tmp-keep")
		for _, p := range []string{stale, other} {
			if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		old := syscall.Umask(0o027)
		defer syscall.Umask(old)
		if _, err := Run(context.Background(), Config{ID: 0, Peers: []string{"solo:1"}, Input: in, Output: out}); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temporary file of the output still there: %v", err)
		}
		if _, err := os.Stat(other); err != nil {
			t.Errorf("temporary file of another output removed: %v", err)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o640 {
			t.Errorf("output mode %v with umask 027, want -rw-r-----", got)
		}
		t.Passed(1, 0, 0, 0)
	})
}

// The course's config.yaml quotes its ports; numbers and numeric strings
// are both accepted, for the server id too.
func TestClusterConfigQuotedPorts(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: ports as numbers or numeric strings")
		p := filepath.Join(t.TempDir(), "config.yaml")
		for _, text := range []string{
			"servers:\n  - serverId: 0\n    host: 127.0.0.1\n    port: \"8080\"\n  - serverId: 1\n    host: 127.0.0.1\n    port: \"8081\"\n",
			"servers:\n  - {serverId: 0, host: 127.0.0.1, port: 8080}\n  - {serverId: \"1\", host: 127.0.0.1, port: '8081'}\n",
		} {
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := LoadCluster(p)
			if err != nil || len(got) != 2 || got[0] != "127.0.0.1:8080" || got[1] != "127.0.0.1:8081" {
				t.Fatalf("config %q: %v, %v", text, got, err)
			}
		}
		for _, bad := range []string{"port: \"80a\"", "port: [1]", "port: \"\""} {
			text := "servers:\n  - {serverId: 0, host: a, " + strings.ReplaceAll(bad, "port: ", "port: ") + "}\n"
			if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadCluster(p); err == nil {
				t.Fatalf("config %q accepted", text)
			}
		}
		t.Passed(1, 0, 0, 0)
	})
}
