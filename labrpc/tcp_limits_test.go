package labrpc_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Issue 11: the stream transport must bound what one client can make a
// server hold, and a call after a timed-out one must not fail on the
// connection the timeout just closed.

// Gate is a service whose Wait handler blocks until open is closed, and
// which records how many handlers ever ran at once.
type Gate struct {
	running, peak atomic.Int64
	open          chan struct{}
}

func (g *Gate) Wait(args int, reply *int) {
	n := g.running.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	<-g.open
	g.running.Add(-1)
	*reply = args
}

// Hold is Wait with a large argument.
func (g *Gate) Hold(args StringArgs, reply *int) { g.Wait(len(args.S), reply) }

// streamServer serves rs on a fresh simulated network at "srv:1"; stop
// closes the listener, waits for Serve and cleans the network up.
func streamServer(t *labtest.T, rs *labrpc.Server) (*labrpc.Network, func()) {
	rn := labrpc.MakeNetwork()
	l, err := rn.Listen("srv:1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		rs.Serve(l)
	}()
	return rn, func() {
		l.Close()
		<-done
		rn.Cleanup()
	}
}

// gateConn serves a Gate and a Probe on a fresh simulated network and
// returns the gate, the network and a raw connection from host "cli", as a
// hostile client has; all are closed when the test ends.
func gateConn(t *labtest.T) (*Gate, *labrpc.Network, net.Conn) {
	g := &Gate{open: make(chan struct{})}
	rn, stop := streamServer(t, server(g, &Probe{}))
	t.Cleanup(stop)
	c, err := rn.Dial("cli", "srv:1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return g, rn, c
}

// readWithin reads one byte of c, waiting at most d, and returns the
// read's error: io.EOF once the server closed c, os.ErrDeadlineExceeded
// while it keeps c open and silent.
func readWithin(c net.Conn, d time.Duration) error {
	if err := c.SetReadDeadline(time.Now().Add(d)); err != nil {
		return fmt.Errorf("setting the read deadline: %w", err)
	}
	_, err := c.Read(make([]byte, 1))
	return err
}

// expectClosedBy checks that the server closes c (EOF) within d.
func expectClosedBy(t *labtest.T, c net.Conn, d time.Duration, what string) {
	t.Helper()
	if err := readWithin(c, d); !errors.Is(err, io.EOF) {
		t.Fatalf("%s: connection still open after %v (read: %v)", what, d, err)
	}
}

// expectOpenFor checks that c neither closes nor delivers anything for d.
func expectOpenFor(t *labtest.T, c net.Conn, d time.Duration, what string) {
	t.Helper()
	if err := readWithin(c, d); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: want the connection open and silent for %v, read returned %v", what, d, err)
	}
}

// A client that sends far more calls than MaxInflight without the server
// finishing any gets at most MaxInflight handlers running; once they
// finish, every call is answered (the rest were only delayed).
func TestTCPBackPressure(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		g, _, c := gateConn(t)
		const calls = 3 * labrpc.MaxInflight
		var out []byte
		for i := range calls {
			out = append(out, requestFrame(t, uint64(i+1), "Gate.Wait", i)...)
		}
		if _, err := c.Write(out); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if p := g.peak.Load(); p > labrpc.MaxInflight {
			t.Errorf("%d handlers of one connection ran at once, want at most %d", p, labrpc.MaxInflight)
		}
		close(g.open)
		c.SetReadDeadline(time.Now().Add(time.Minute))
		r := bufio.NewReader(c)
		seen := map[uint64]bool{}
		for len(seen) < calls {
			var hdr [12]byte
			if _, err := io.ReadFull(r, hdr[:]); err != nil {
				t.Fatalf("after %d of %d replies: %v", len(seen), calls, err)
			}
			if _, err := io.CopyN(io.Discard, r, int64(binary.BigEndian.Uint32(hdr[:])-8)); err != nil {
				t.Fatal(err)
			}
			seen[binary.BigEndian.Uint64(hdr[4:])] = true
		}
	})
}

// Over all connections of a Serve loop, at most MaxServeBytes of requests
// are held: with every handler blocked, calls beyond that budget are not
// read (each costs the server nothing yet) until handlers finish.
func TestTCPServeBudget(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		g := &Gate{open: make(chan struct{})}
		rn, stop := streamServer(t, server(g, &Probe{}))
		defer stop()
		const size = labrpc.MaxFrame * 3 / 4
		fit := labrpc.MaxServeBytes / (size + 64) // frames that fit the budget
		big := strings.Repeat("x", size)
		var conns []net.Conn
		for k := range fit + 4 {
			c, err := rn.Dial(fmt.Sprintf("cli%d", k), "srv:1")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.Write(requestFrame(t, 1, "Gate.Hold", StringArgs{S: big})); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		time.Sleep(time.Second)
		if p := g.peak.Load(); p > int64(fit) {
			t.Errorf("%d calls of %d bytes held at once, want at most %d (MaxServeBytes %d)", p, size, fit, labrpc.MaxServeBytes)
		}
		close(g.open)
		for i, c := range conns {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			var hdr [4]byte
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				t.Fatalf("connection %d: no reply once handlers finished: %v", i, err)
			}
		}
	})
}

// A frame longer than MaxFrame closes the connection as soon as its header
// arrives; calls up to the limit still work, larger ones fail.
func TestTCPFrameCap(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, stop := streamServer(t, server(&Gate{}, &Probe{}))
		defer stop()
		c, err := rn.Dial("cli", "srv:1")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(binary.BigEndian.AppendUint32(nil, labrpc.MaxFrame+1))
		expectClosedBy(t, c, time.Second, "header of a frame over MaxFrame")

		e := simEnd(rn, "srv:1")
		defer e.Close()
		var r ProbeReply
		big := strings.Repeat("x", labrpc.MaxFrame*3/4)
		if !e.Call("Probe.Echo", StringArgs{S: big}, &r) || r.X != big {
			t.Fatalf("a call of %d bytes (under MaxFrame) failed", len(big))
		}
		if e.Call("Probe.Echo", StringArgs{S: strings.Repeat("x", labrpc.MaxFrame)}, &r) {
			t.Fatalf("a call over MaxFrame succeeded")
		}
	})
}

// A Serve loop keeps at most MaxConns connections: one more is closed at
// once, and a place freed by a closed connection can be used again.
func TestTCPConnCap(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn, stop := streamServer(t, server(&Gate{}, &Probe{}))
		defer stop()
		var conns []net.Conn
		for range labrpc.MaxConns + 3 {
			c, err := rn.Dial("cli", "srv:1")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conns = append(conns, c)
		}
		for _, c := range conns[labrpc.MaxConns:] {
			expectClosedBy(t, c, time.Second, "connection over MaxConns")
		}
		for _, c := range conns[:labrpc.MaxConns] {
			expectOpenFor(t, c, time.Millisecond, "connection within MaxConns")
		}
		conns[0].Close()
		time.Sleep(time.Millisecond) // the server notices the close
		e := simEnd(rn, "srv:1")
		defer e.Close()
		var s string
		if !e.Call("Probe.Label", 1, &s) {
			t.Fatalf("no call possible after a connection freed its place")
		}
	})
}

// A connection with nothing in flight that stays silent for IdleTimeout is
// closed; one whose call runs longer than that is not.
func TestTCPIdleTimeout(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		g, rn, idle := gateConn(t)
		start := time.Now()
		expectOpenFor(t, idle, labrpc.IdleTimeout-time.Second, "idle connection before IdleTimeout")
		expectClosedBy(t, idle, 2*time.Second, "idle connection")
		if el := time.Since(start); el < labrpc.IdleTimeout {
			t.Fatalf("idle connection closed after %v, before IdleTimeout", el)
		}

		e := simEnd(rn, "srv:1")
		defer e.Close()
		e.SetTimeout(0)
		done := make(chan bool, 1)
		go func() {
			var r int
			done <- e.Call("Gate.Wait", 7, &r) && r == 7
		}()
		time.Sleep(3 * labrpc.IdleTimeout)
		close(g.open)
		if !<-done {
			t.Fatalf("a call running for 3×IdleTimeout lost its connection")
		}
	})
}

// lingerConn delays reporting a failed Read until release is closed: it
// holds the client's reader in the moment between a close and its noticing.
type lingerConn struct {
	net.Conn
	release <-chan struct{}
}

func (c lingerConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		<-c.release
	}
	return n, err
}

// The race behind TestTCPTimeout's rare failures, made deterministic: after
// a call times out on a silent connection, the end closes it; the very next
// call must redial rather than pick up the closed connection.
func TestTCPCallAfterTimeoutRedials(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		pr := &Probe{gate: make(chan struct{})}
		rs := server(pr)
		rn, stop := streamServer(t, rs)
		defer stop()
		defer close(pr.gate)
		release := make(chan struct{})
		defer close(release)
		e := labrpc.MakeStreamEnd("srv:1", func(ctx context.Context) (net.Conn, error) {
			c, err := rn.DialContext(ctx, "client", "srv:1")
			if err != nil {
				return nil, err
			}
			return lingerConn{Conn: c, release: release}, nil
		})
		defer e.Close()
		e.SetTimeout(200 * time.Millisecond)
		var r ProbeReply
		if e.Call("Probe.Slow", ProbeArgs{}, &r) {
			t.Fatalf("a call blocked in its handler succeeded")
		}
		var s string
		if !e.Call("Probe.Label", 1, &s) {
			t.Fatalf("the call after a timeout failed: it used the connection the timeout closed")
		}
	})
}
