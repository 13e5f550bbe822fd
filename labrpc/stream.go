package labrpc

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Simulated byte streams. A connection is two pipes, one per direction. A
// pipe holds written chunks, each readable from a delivery time on: with an
// unreliable network every Write is delayed by 0–26 ms, in order. Reads
// stall while the two hosts are partitioned, writes block once a pipe holds
// streamBuffer bytes, and taking a host down resets its connections.

const (
	streamBuffer = 1 << 20         // bytes a pipe holds before Write blocks
	dialTimeout  = 5 * time.Second // how long Dial waits for a partition to heal
	firstPort    = 40000           // first ephemeral port given to dialers
)

// Addr is a stream address on a simulated network: "host:port".
type Addr struct {
	Host string
	Port int
}

// Network returns "labrpc".
func (a Addr) Network() string { return "labrpc" }

// String returns "host:port".
func (a Addr) String() string { return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) }

func parseAddr(addr string) (Addr, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return Addr{Host: addr}, nil // a bare host name means port 0
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return Addr{}, fmt.Errorf("labrpc: bad port in address %q", addr)
	}
	return Addr{Host: host, Port: p}, nil
}

// streamState is the stream half of a Network. It has its own lock; it may
// take Network.mu (never the other way round).
type streamState struct {
	mu        sync.Mutex
	listeners map[Addr]*listener
	conns     map[*conn]struct{}
	down      map[string]bool
	nextPort  int
	dials     map[string]uint64 // "from->to" -> dials so far: a connection's fault schedule key
	closed    bool
}

func (s *streamState) init() {
	s.listeners = map[Addr]*listener{}
	s.conns = map[*conn]struct{}{}
	s.down = map[string]bool{}
	s.dials = map[string]uint64{}
	s.nextPort = firstPort
}

// Listen announces a stream listener at addr ("host:port"; port 0 picks a
// free port). It fails if the address is in use or the host is down.
func (rn *Network) Listen(addr string) (net.Listener, error) {
	a, err := parseAddr(addr)
	if err != nil {
		return nil, err
	}
	s := &rn.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return nil, &net.OpError{Op: "listen", Net: "labrpc", Addr: a, Err: net.ErrClosed}
	case s.down[a.Host]:
		return nil, &net.OpError{Op: "listen", Net: "labrpc", Addr: a, Err: syscall.EHOSTDOWN}
	}
	if a.Port == 0 {
		a.Port = s.nextPort
		s.nextPort++
	}
	if s.listeners[a] != nil {
		return nil, &net.OpError{Op: "listen", Net: "labrpc", Addr: a, Err: syscall.EADDRINUSE}
	}
	l := &listener{rn: rn, addr: a, signal: make(chan struct{})}
	s.listeners[a] = l
	return l, nil
}

// Dial connects host from to the listener at addr, waiting up to 5 s of
// (virtual) time for a partition between them to heal.
func (rn *Network) Dial(from, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	return rn.DialContext(ctx, from, addr)
}

// DialContext is Dial with a context bounding the wait for a partition to
// heal. A missing listener or a host that is down fails at once
// (connection refused), as on a real network.
func (rn *Network) DialContext(ctx context.Context, from, addr string) (net.Conn, error) {
	to, err := parseAddr(addr)
	if err != nil {
		return nil, err
	}
	for {
		topo, ok := rn.reachable(from, to.Host)
		if ok {
			break
		}
		select {
		case <-topo:
		case <-rn.done:
			return nil, &net.OpError{Op: "dial", Net: "labrpc", Addr: to, Err: net.ErrClosed}
		case <-ctx.Done():
			return nil, &net.OpError{Op: "dial", Net: "labrpc", Addr: to, Err: os.ErrDeadlineExceeded}
		}
	}
	s := &rn.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.listeners[to]
	if s.closed || s.down[from] || s.down[to.Host] || l == nil {
		return nil, &net.OpError{Op: "dial", Net: "labrpc", Addr: to, Err: syscall.ECONNREFUSED}
	}
	local := Addr{Host: from, Port: s.nextPort}
	s.nextPort++
	ab, ba := newPipe(), newPipe()
	// The schedule of a connection's writes derives from the pair of hosts
	// and how many times this pair has dialed, not from the ephemeral port,
	// which depends on how dials on other pairs interleave.
	pair := from + "->" + to.String()
	s.dials[pair]++
	link := mix(hashName(pair), s.dials[pair])
	client := &conn{rn: rn, local: local, remote: to, in: ba, out: ab, link: link}
	server := &conn{rn: rn, local: to, remote: local, in: ab, out: ba, link: ^link}
	if !l.enqueue(server) {
		return nil, &net.OpError{Op: "dial", Net: "labrpc", Addr: to, Err: syscall.ECONNREFUSED}
	}
	s.conns[client] = struct{}{}
	s.conns[server] = struct{}{}
	rn.recordStream(local, to, "open")
	return client, nil
}

// SetHostUp takes a host down (up=false) or brings it back. Taking it down
// resets every connection it has (reads and writes on both sides fail),
// closes its listeners and refuses dials to and from it until it is up.
func (rn *Network) SetHostUp(host string, up bool) {
	s := &rn.streams
	s.mu.Lock()
	s.down[host] = !up
	var reset []*conn
	var closeL []*listener
	if !up {
		for c := range s.conns {
			if c.local.Host == host || c.remote.Host == host {
				reset = append(reset, c)
			}
		}
		for a, l := range s.listeners {
			if a.Host == host {
				closeL = append(closeL, l)
			}
		}
	}
	s.mu.Unlock()
	for _, c := range reset {
		c.reset()
	}
	for _, l := range closeL {
		l.Close()
	}
}

// shutdown resets every connection and closes every listener (Cleanup).
func (s *streamState) shutdown(rn *Network) {
	s.mu.Lock()
	s.closed = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	ls := make([]*listener, 0, len(s.listeners))
	for _, l := range s.listeners {
		ls = append(ls, l)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.reset()
	}
	for _, l := range ls {
		l.Close()
	}
}

func (s *streamState) forget(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
}

// listener implements net.Listener.
type listener struct {
	rn     *Network
	addr   Addr
	mu     sync.Mutex
	queue  []*conn
	closed bool
	signal chan struct{} // closed and replaced when queue or closed changes
}

func (l *listener) enqueue(c *conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.queue = append(l.queue, c)
	close(l.signal)
	l.signal = make(chan struct{})
	return true
}

// Accept waits for the next connection.
func (l *listener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, &net.OpError{Op: "accept", Net: "labrpc", Addr: l.addr, Err: net.ErrClosed}
		}
		if len(l.queue) > 0 {
			c := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.mu.Unlock()
			return c, nil
		}
		wait := l.signal
		l.mu.Unlock()
		<-wait
	}
}

// Close stops the listener; connections not yet accepted are reset.
func (l *listener) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	pending := l.queue
	l.queue = nil
	close(l.signal)
	l.signal = make(chan struct{})
	l.mu.Unlock()

	s := &l.rn.streams
	s.mu.Lock()
	if s.listeners[l.addr] == l {
		delete(s.listeners, l.addr)
	}
	s.mu.Unlock()
	for _, c := range pending {
		c.reset()
	}
	return nil
}

// Addr returns the listener's address.
func (l *listener) Addr() net.Addr { return l.addr }

// pipe is one direction of a connection.
type pipe struct {
	mu           sync.Mutex
	chunks       []chunk
	buffered     int
	lastAt       time.Time // delivery time of the last chunk: keeps delays in order
	eof          bool      // the writer closed its side
	readerGone   bool      // the reader closed: writes fail
	isReset      bool
	writerGone   bool // the writing endpoint closed: its writes fail with ErrClosed
	readDeadline time.Time
	writeDeadln  time.Time
	signal       chan struct{} // closed and replaced on every change
}

type chunk struct {
	data []byte
	at   time.Time
}

func newPipe() *pipe { return &pipe{signal: make(chan struct{})} }

// changed wakes everyone waiting on p; p.mu must be held.
func (p *pipe) changed() {
	close(p.signal)
	p.signal = make(chan struct{})
}

// conn is one endpoint of a simulated connection; it implements net.Conn.
type conn struct {
	rn            *Network
	local, remote Addr
	in, out       *pipe
	link          uint64
	wseq          atomic.Uint64
	closed        atomic.Bool
}

// LocalAddr returns this endpoint's address.
func (c *conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the peer's address.
func (c *conn) RemoteAddr() net.Addr { return c.remote }

func (c *conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "labrpc", Source: c.local, Addr: c.remote, Err: err}
}

// Read reads data delivered so far, waiting for more as a TCP socket does.
func (c *conn) Read(b []byte) (int, error) {
	p := c.in
	for {
		topo, reachable := c.rn.reachable(c.local.Host, c.remote.Host)
		p.mu.Lock()
		now := time.Now()
		switch {
		case p.readerGone: // under the lock, so a Close cannot slip in before we wait
			p.mu.Unlock()
			return 0, c.opError("read", net.ErrClosed)
		case p.isReset:
			p.mu.Unlock()
			return 0, c.opError("read", syscall.ECONNRESET)
		case !p.readDeadline.IsZero() && !now.Before(p.readDeadline):
			p.mu.Unlock()
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		case len(b) == 0:
			p.mu.Unlock()
			return 0, nil
		}
		var until time.Time
		if reachable && len(p.chunks) > 0 {
			if first := &p.chunks[0]; !now.Before(first.at) {
				n := copy(b, first.data)
				first.data = first.data[n:]
				if len(first.data) == 0 {
					p.chunks[0] = chunk{}
					p.chunks = p.chunks[1:]
				}
				p.buffered -= n
				p.changed()
				p.mu.Unlock()
				return n, nil
			} else {
				until = first.at
			}
		} else if reachable && p.eof {
			p.mu.Unlock()
			return 0, io.EOF
		}
		if d := p.readDeadline; !d.IsZero() && (until.IsZero() || d.Before(until)) {
			until = d
		}
		wait := p.signal
		p.mu.Unlock()
		c.wait(wait, topo, until)
	}
}

// Write queues b for the peer. It blocks while the pipe is full.
func (c *conn) Write(b []byte) (int, error) {
	p := c.out
	seq := c.wseq.Add(1)
	r := newMsgRand(c.rn.seed, c.link, seq)
	delay := time.Duration(r.intn(maxShortDelayMs)) * time.Millisecond
	if c.rn.reliable.Load() {
		delay = 0
	}
	for {
		p.mu.Lock()
		now := time.Now()
		switch {
		case p.writerGone:
			p.mu.Unlock()
			return 0, c.opError("write", net.ErrClosed)
		case p.isReset:
			p.mu.Unlock()
			return 0, c.opError("write", syscall.ECONNRESET)
		case p.eof: // our own CloseWrite, as a TCP socket after shutdown(SHUT_WR)
			p.mu.Unlock()
			return 0, c.opError("write", syscall.EPIPE)
		case p.readerGone:
			p.mu.Unlock()
			return 0, c.opError("write", syscall.EPIPE)
		case !p.writeDeadln.IsZero() && !now.Before(p.writeDeadln):
			p.mu.Unlock()
			return 0, c.opError("write", os.ErrDeadlineExceeded)
		}
		if p.buffered < streamBuffer {
			at := now.Add(delay)
			if at.Before(p.lastAt) {
				at = p.lastAt
			}
			p.lastAt = at
			if len(b) > 0 {
				p.chunks = append(p.chunks, chunk{data: append([]byte(nil), b...), at: at})
				p.buffered += len(b)
				p.changed()
			}
			p.mu.Unlock()
			msg := msgTrace{tl: c.rn.tl.Load(), from: c.local, to: c.remote, method: "write", seq: seq, size: len(b), back: -1}
			if msg.tl != nil {
				msg.sent, msg.recv = now.Sub(msg.tl.start), at.Sub(msg.tl.start)
				msg.args = fmt.Sprintf("%d bytes", len(b))
			}
			c.rn.emit(&msg, Delivered)
			return len(b), nil
		}
		wait, until := p.signal, p.writeDeadln
		p.mu.Unlock()
		c.wait(wait, nil, until)
	}
}

// wait blocks until signal or topo is closed, until passes, or the network
// stops.
func (c *conn) wait(signal, topo <-chan struct{}, until time.Time) {
	var timeout <-chan time.Time
	if !until.IsZero() {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-signal:
	case <-topo:
	case <-timeout:
	case <-c.rn.done:
	}
}

// Close closes both directions: the peer reads what was sent, then EOF;
// the peer's writes fail.
func (c *conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	c.out.mu.Lock()
	c.out.eof = true
	c.out.writerGone = true
	c.out.changed()
	c.out.mu.Unlock()
	c.in.mu.Lock()
	c.in.readerGone = true
	c.in.chunks, c.in.buffered = nil, 0
	c.in.changed()
	c.in.mu.Unlock()
	c.rn.streams.forget(c)
	c.rn.recordStream(c.local, c.remote, "close")
	return nil
}

// CloseWrite shuts down the writing side: the peer reads EOF after the data
// already written.
func (c *conn) CloseWrite() error {
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	c.out.eof = true
	c.out.changed()
	return nil
}

// reset makes every read and write on both endpoints fail.
func (c *conn) reset() {
	for _, p := range []*pipe{c.in, c.out} {
		p.mu.Lock()
		p.isReset = true
		p.chunks, p.buffered = nil, 0
		p.changed()
		p.mu.Unlock()
	}
	c.rn.streams.forget(c)
}

// SetDeadline sets both deadlines; a blocked Read or Write notices at once.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets the read deadline (zero: none).
func (c *conn) SetReadDeadline(t time.Time) error {
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	if c.in.readerGone {
		return c.opError("set", net.ErrClosed)
	}
	c.in.readDeadline = t
	c.in.changed()
	return nil
}

// SetWriteDeadline sets the write deadline (zero: none).
func (c *conn) SetWriteDeadline(t time.Time) error {
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	if c.out.writerGone {
		return c.opError("set", net.ErrClosed)
	}
	c.out.writeDeadln = t
	c.out.changed()
	return nil
}
