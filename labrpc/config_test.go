package labrpc_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/test/labtest"
)

// The labrpc tests' shared setup: the services they call and the plumbing
// of networks, servers and ends.

// Messages of the test service, Probe.
type ProbeArgs struct{ X int }
type ProbeReply struct{ X string }
type StringArgs struct{ S string }

// Probe is the service the labrpc tests call: small handlers of each
// argument and reply shape, and a count of the calls that reached it.
type Probe struct {
	mu    sync.Mutex
	log   []int
	calls atomic.Int64
	gate  chan struct{} // if non-nil, Slow waits on it
}

func (pr *Probe) Atoi(args string, reply *int) {
	pr.calls.Add(1)
	fmt.Sscanf(args, "%d", reply)
}

func (pr *Probe) Label(args int, reply *string) {
	pr.calls.Add(1)
	pr.mu.Lock()
	pr.log = append(pr.log, args)
	pr.mu.Unlock()
	*reply = fmt.Sprintf("label-%v", args)
}

func (pr *Probe) Echo(args StringArgs, reply *ProbeReply) {
	pr.calls.Add(1)
	reply.X = args.S
}

func (pr *Probe) Slow(args ProbeArgs, reply *ProbeReply) {
	pr.calls.Add(1)
	<-pr.gate
	reply.X = "slow"
}

// notAHandler has the wrong shape and must not be registered.
func (pr *Probe) NotAHandler(x int) int { return x }

// setup makes a network with one Probe "server" and one enabled end.
func setup(t *labtest.T) (*labrpc.Network, *labrpc.ClientEnd, *Probe) {
	pr := &Probe{}
	rn, e := serveOne(t, pr)
	return rn, e, pr
}

// serveOne makes a network with one server, "server", of the services of
// svcs, and one enabled end to it, "end".
func serveOne(t *labtest.T, svcs ...any) (*labrpc.Network, *labrpc.ClientEnd) {
	rn := newNet(t)
	serveOn(rn, "server", svcs...)
	return rn, endTo(rn, "end", "server")
}

// RevReply is RevSvc's reply, shaped like Raft's AppendEntries reply.
type RevReply struct {
	Term    int
	Success bool
}

// RevSvc is the service of the regression tests that need a Raft-like
// reply with a field a handler may leave zero.
type RevSvc struct{}

// AE answers with its argument as the term, a success when it is even.
func (s *RevSvc) AE(args int, reply *RevReply) {
	reply.Term = args
	reply.Success = args%2 == 0
}

// newNet returns a network the test cleans up at its end.
func newNet(t *labtest.T) *labrpc.Network {
	rn := labrpc.MakeNetwork()
	t.Cleanup(rn.Cleanup)
	return rn
}

// server returns a Server of the services of svcs (receivers).
func server(svcs ...any) *labrpc.Server {
	rs := labrpc.MakeServer()
	for _, svc := range svcs {
		rs.AddService(labrpc.MakeService(svc))
	}
	return rs
}

// serveOn adds server(svcs...) to rn under name, as a harness does.
func serveOn(rn *labrpc.Network, name any, svcs ...any) *labrpc.Server {
	rs := server(svcs...)
	rn.AddServer(name, rs)
	return rs
}

// endTo returns an enabled end of that name connected to the server srv.
func endTo(rn *labrpc.Network, name, srv any) *labrpc.ClientEnd {
	e := rn.MakeEnd(name)
	rn.Connect(name, srv)
	rn.Enable(name, true)
	return e
}

// inBubble runs body in a synctest bubble of its own, on a network seeded
// with seed and cleaned up when body returns: the tests that pin their
// network's seed instead of taking the harness's.
func inBubble(t *testing.T, seed int64, body func(t *testing.T, rn *labrpc.Network)) {
	synctest.Test(t, func(t *testing.T) {
		rn := labrpc.MakeNetworkSeed(seed)
		defer rn.Cleanup()
		body(t, rn)
	})
}

// callers starts n goroutines, the c-th calling body with c and an end of
// its own, named prefix followed by c, connected to srv and enabled; the
// returned group waits for them all.
func callers(rn *labrpc.Network, prefix string, n int, srv string, body func(c int, e *labrpc.ClientEnd)) *sync.WaitGroup {
	wg := new(sync.WaitGroup)
	for c := range n {
		e := endTo(rn, fmt.Sprintf("%s%d", prefix, c), srv)
		wg.Go(func() { body(c, e) })
	}
	return wg
}

// streamPair listens on "s:1" of rn, dials it from host "c" and returns
// the listener and both ends of the connection, all closed when the test
// ends.
func streamPair(t *labtest.T, rn *labrpc.Network) (l net.Listener, c, sc net.Conn) {
	t.Helper()
	l, err := rn.Listen("s:1")
	require.NoError(t, err)
	c, err = rn.Dial("c", "s:1")
	require.NoError(t, err)
	sc, err = l.Accept()
	require.NoError(t, err)
	t.Cleanup(func() {
		sc.Close()
		c.Close()
		l.Close()
	})
	return l, c, sc
}

// simEnd returns a stream end that dials addr on rn from host "client",
// so the stream transport runs over simulated streams in virtual time.
func simEnd(rn *labrpc.Network, addr string) *labrpc.ClientEnd {
	return labrpc.MakeStreamEnd(addr, func(ctx context.Context) (net.Conn, error) {
		return rn.DialContext(ctx, "client", addr)
	})
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

// tcpEnd serves rs on a loopback TCP listener and returns an end to it
// and its address; both close when the test ends.
func tcpEnd(t *labtest.T, rs *labrpc.Server) (*labrpc.ClientEnd, string) {
	addr, stop := serveTCP(t, rs, "127.0.0.1:0")
	t.Cleanup(stop)
	e := labrpc.MakeTCPEnd(addr)
	t.Cleanup(e.Close)
	return e, addr
}

// encodeForReview encodes v as a request body, for frames built by hand.
func encodeForReview(t testing.TB, v interface{}) []byte {
	var b bytes.Buffer
	if err := labgob.NewEncoder(&b).Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func be32(n int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return b[:]
}

// requestFrame builds one request frame by hand, as a hostile client would.
func requestFrame(t testing.TB, id uint64, method string, args interface{}) []byte {
	body := encodeForReview(t, args)
	f := binary.BigEndian.AppendUint32(nil, uint32(10+len(method)+len(body)))
	f = binary.BigEndian.AppendUint64(f, id)
	f = binary.BigEndian.AppendUint16(f, uint16(len(method)))
	return append(append(f, method...), body...)
}

// runVirtual runs body through the harness, and skips the test under
// -realtime: body asserts exact durations or spends virtual minutes, which
// is what the simulator's own tests measure.
func runVirtual(t *testing.T, body func(t *labtest.T)) {
	if labtest.Realtime() {
		t.Skip("measures the simulator in virtual time")
	}
	labtest.Run(t, body)
}
