package labrpc_test

import (
	"context"
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

func probeServer() *labrpc.Server {
	rs := labrpc.MakeServer()
	rs.AddService(labrpc.MakeService(&Probe{}))
	return rs
}

// serveTCP serves rs on a fresh loopback listener; stop closes it and waits.
func serveTCP(t *labtest.T, rs *labrpc.Server, addr string) (string, func()) {
	l, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		rs.Serve(l)
	}()
	return l.Addr().String(), func() { l.Close(); <-done }
}

func TestTCPRoundTrip(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		rs := probeServer()
		addr, stop := serveTCP(t, rs, "127.0.0.1:0")
		defer stop()
		e := labrpc.MakeTCPEnd(addr)
		defer e.Close()
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
		addr, stop := serveTCP(t, probeServer(), "127.0.0.1:0")
		e := labrpc.MakeTCPEnd(addr)
		defer e.Close()
		e.SetTimeout(2 * time.Second)
		var s string
		require.True(t, e.Call("Probe.Label", 1, &s))
		stop()
		assert.False(t, e.Call("Probe.Label", 2, &s), "server gone")
		_, stop = serveTCP(t, probeServer(), addr)
		defer stop()
		require.True(t, e.Call("Probe.Label", 3, &s), "redial after restart")
		assert.Equal(t, "label-3", s)
	})
}

// Malformed frames close that connection only; the server keeps serving.
func TestTCPMalformedFrames(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		addr, stop := serveTCP(t, probeServer(), "127.0.0.1:0")
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

func be32(n int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return b[:]
}

// A slow handler makes the call time out; the end stays usable.
func TestTCPTimeout(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		pr := &Probe{gate: make(chan struct{})}
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(pr))
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
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		l, err := rn.Listen("srv:1")
		require.NoError(t, err)
		done := make(chan struct{})
		go func() { defer close(done); probeServer().Serve(l) }()
		e := labrpc.MakeStreamEnd("srv:1", func(ctx context.Context) (net.Conn, error) {
			return rn.DialContext(ctx, "client", "srv:1")
		})
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
