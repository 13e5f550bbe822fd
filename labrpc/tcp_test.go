package labrpc_test

import (
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

func TestTCPRoundTrip(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		rs := server(&Probe{})
		e, _ := tcpEnd(t, rs)
		var s string
		require.True(t, e.Call("Probe.Label", 7, &s))
		assert.Equal(t, "label-7", s)
		var r ProbeReply
		require.True(t, e.Call("Probe.Echo", StringArgs{S: "over tcp"}, &r))
		assert.Equal(t, "over tcp", r.X)
		assert.Equal(t, 2, rs.GetCount())

		// An unknown method is the server's error, not a crash: false.
		assert.False(t, e.Call("Probe.NoSuch", 1, &s))
		require.True(t, e.Call("Probe.Label", 8, &s), "the connection survives")
	})
}

// The end redials after the server restarts on the same address.
func TestTCPReconnect(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		addr, stop := serveTCP(t, server(&Probe{}), "127.0.0.1:0")
		e := labrpc.MakeTCPEnd(addr)
		defer e.Close()
		e.SetTimeout(2 * time.Second)
		var s string
		require.True(t, e.Call("Probe.Label", 1, &s))
		stop()
		assert.False(t, e.Call("Probe.Label", 2, &s), "server gone")
		_, stop = serveTCP(t, server(&Probe{}), addr)
		defer stop()
		require.True(t, e.Call("Probe.Label", 3, &s), "redial after restart")
		assert.Equal(t, "label-3", s)
	})
}

// Malformed frames close that connection only; the server keeps serving.
func TestTCPMalformedFrames(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		addr, stop := serveTCP(t, server(&Probe{}), "127.0.0.1:0")
		defer stop()
		frames := [][]byte{
			{0xff, 0xff, 0xff, 0xff}, // absurd length
			{0, 0, 0, 3, 1, 2, 3},    // too short for a header
			append(be32(14), append(make([]byte, 8), 0xff, 0xff, 1, 2, 3, 4)...), // method overruns the frame
			append(append(be32(10+len("Probe.Echo")+3), make([]byte, 8)...),
				append([]byte{0, byte(len("Probe.Echo"))}, append([]byte("Probe.Echo"), 1, 2, 3)...)...),
		}
		for i, f := range frames {
			c, err := net.Dial("tcp", addr)
			require.NoError(t, err)
			c.Write(f)
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = c.Read(make([]byte, 1))
			assert.Error(t, err, "frame %d: the server should close the connection", i)
			c.Close()
		}
		e := labrpc.MakeTCPEnd(addr)
		defer e.Close()
		var s string
		assert.True(t, e.Call("Probe.Label", 1, &s), "the server survives garbage")
	})
}

// A slow handler makes the call time out; the end stays usable.
func TestTCPTimeout(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		pr := &Probe{gate: make(chan struct{})}
		rs := server(pr)
		addr, stop := serveTCP(t, rs, "127.0.0.1:0")
		defer stop()
		defer close(pr.gate) // runs before stop: the handler finishes first
		e := labrpc.MakeTCPEnd(addr)
		defer e.Close()
		e.SetTimeout(200 * time.Millisecond)
		var r ProbeReply
		assert.False(t, e.Call("Probe.Slow", ProbeArgs{}, &r))
		var s string
		assert.True(t, e.Call("Probe.Label", 1, &s))
	})
}

// The stream transport also runs over simulated streams, in virtual time.
func TestStreamEndOverSimulatedStreams(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		l, err := rn.Listen("srv:1")
		require.NoError(t, err)
		done := make(chan struct{})
		go func() { defer close(done); server(&Probe{}).Serve(l) }()
		e := simEnd(rn, "srv:1")
		var s string
		require.True(t, e.Call("Probe.Label", 42, &s))
		assert.Equal(t, "label-42", s)

		rn.SetHostUp("srv", false) // resets the connection
		assert.False(t, e.Call("Probe.Label", 43, &s))
		<-done
		e.Close()
		assert.False(t, e.Call("Probe.Label", 44, &s), "a closed end fails")
	})
}

// Regression: Call's timeout must cover a write that blocks because the
// server stopped reading, and must not make other calls on the end wait
// behind it. Shown over a simulated stream whose server never reads.
func TestRegressionTCPCallTimeoutCoversBlockedWrite(t *testing.T) {
	inBubble(t, 1, func(t *testing.T, rn *labrpc.Network) {
		l, _ := rn.Listen("srv:1")
		go func() { // accepts, never reads
			for {
				if _, err := l.Accept(); err != nil {
					return
				}
			}
		}()
		e := simEnd(rn, "srv:1")
		defer e.Close()
		e.SetTimeout(time.Second)
		big := StringArgs{S: strings.Repeat("x", 3<<20)}
		done := make(chan bool, 1)
		start := time.Now()
		go func() {
			var r ProbeReply
			e.Call("Probe.Echo", big, &r) // fills the peer's buffer; times out after 1s
			done <- e.Call("Probe.Echo", big, &r)
		}()
		select {
		case ok := <-done:
			t.Logf("Call returned %v after %v", ok, time.Since(start))
		case <-time.After(time.Minute):
			t.Errorf("Call with a 1s timeout still blocked after %v (virtual)", time.Since(start))
		}
		e.Close() // unblock for cleanup
		rn.Cleanup()
	})
}

// Regression: Serve used to stop for good on a temporary Accept error
// (EMFILE on a busy machine).
type flakyListener struct {
	net.Listener
	n atomic.Int32
}

func (f *flakyListener) Accept() (net.Conn, error) {
	if f.n.Add(1) == 1 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	return f.Listener.Accept()
}

func TestRegressionServeRetriesTemporaryAcceptError(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &flakyListener{Listener: inner}
	errc := make(chan error, 1)
	go func() { errc <- server(&Probe{}).Serve(l) }()
	e := labrpc.MakeTCPEnd(inner.Addr().String())
	defer e.Close()
	var s string
	if !e.Call("Probe.Label", 1, &s) || s != "label-1" {
		t.Errorf("no service after a transient Accept error")
	}
	if l.n.Load() < 2 {
		t.Errorf("Accept called %d times; want a retry after the transient error", l.n.Load())
	}
	inner.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve returned %v after Close; want net.ErrClosed", err)
	}
}

// Regression: after a malformed frame the connection must close at once,
// not when the handlers of earlier requests on it finish.
func TestRegressionMalformedFrameClosesAtOnce(t *testing.T) {
	pr := &Probe{gate: make(chan struct{})}
	defer close(pr.gate)
	rs := server(pr)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go rs.Serve(l)

	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(requestFrame(t, 1, "Probe.Slow", ProbeArgs{})) // blocks on gate
	time.Sleep(100 * time.Millisecond)
	c.Write([]byte{0, 0, 0, 2, 9, 9}) // short frame: "closes its connection"
	c.SetReadDeadline(time.Now().Add(time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Errorf("connection not closed 1s after a malformed frame (read: %v)", err)
	}
}

// Regression: a frame header promising MaxFrame bytes must not make the
// server allocate them before any arrive (eight idle connections would
// cost 32 MiB). If the server has not read the headers within the pause,
// nothing is allocated either way: a slow machine cannot fail it.
func TestRegressionHeaderOnlyFrameAllocatesLittle(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go server(&Probe{}).Serve(l)
	const conns = 8
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(be32(labrpc.MaxFrame))
	}
	time.Sleep(300 * time.Millisecond)
	runtime.ReadMemStats(&m1)
	alloc := (m1.TotalAlloc - m0.TotalAlloc) >> 20
	t.Logf("%d headers of MaxFrame frames on idle connections -> server allocated %d MiB", conns, alloc)
	// Allocating each announced frame up front would take 32 MiB here.
	if alloc >= 16 {
		t.Errorf("%d 4-byte headers announcing %d-byte frames made the server allocate %d MiB; "+
			"a frame's buffer must grow with the bytes that arrive", conns, labrpc.MaxFrame, alloc)
	}
}

// Regression: Close must not wait for a dial in progress. It used to wait
// on a mutex held across the dial, which inside a synctest bubble stops
// virtual time, so the dial's context never expired: a hang.
func TestRegressionCloseDoesNotWaitForDial(t *testing.T) {
	inBubble(t, 1, func(t *testing.T, rn *labrpc.Network) {
		l, _ := rn.Listen("srv:1")
		go server(&Probe{}).Serve(l)
		e := simEnd(rn, "srv:1")
		rn.Partition([]string{"client"}, []string{"srv"})
		go func() { var s string; e.Call("Probe.Label", 1, &s) }()
		time.Sleep(time.Millisecond) // the call is now dialing, waiting for Heal
		e.Close()                    // never returns: the bubble is frozen
		t.Log("Close returned")
	})
}
