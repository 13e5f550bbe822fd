//solution:file

package distsort

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// mesh is one server's connections to all its peers: out[j] was dialed to
// peer j and carries our frames to it; in[j] was accepted from peer j and
// carries its frames to us. Entries for the server itself stay nil.
type mesh struct {
	id    int
	addrs []string
	ln    net.Listener

	mu     sync.Mutex
	out    []net.Conn
	in     []net.Conn
	extra  map[net.Conn]bool // accepted conns still in their handshake
	closed bool
	done   chan struct{} // closed by abort
}

func newMesh(id int, addrs []string, ln net.Listener) *mesh {
	return &mesh{
		id: id, addrs: addrs, ln: ln,
		out:   make([]net.Conn, len(addrs)),
		in:    make([]net.Conn, len(addrs)),
		extra: map[net.Conn]bool{},
		done:  make(chan struct{}),
	}
}

// peerName names peer j in errors.
func (m *mesh) peerName(j int) string { return fmt.Sprintf("peer %d (%s)", j, m.addrs[j]) }

// abort closes the listener and every connection, which unblocks every
// goroutine doing I/O on them. It is idempotent.
func (m *mesh) abort() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	close(m.done)
	var conns []net.Conn
	for _, c := range append(m.out, m.in...) {
		if c != nil {
			conns = append(conns, c)
		}
	}
	for c := range m.extra {
		conns = append(conns, c)
	}
	m.mu.Unlock()
	if m.ln != nil {
		_ = m.ln.Close() // a second close reports an error; nothing to do
	}
	for _, c := range conns {
		_ = c.Close()
	}
}

// track records a pending connection so that abort closes it; it returns
// false (and closes c) if the mesh is already closed.
func (m *mesh) track(c net.Conn) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		_ = c.Close()
		return false
	}
	m.extra[c] = true
	return true
}

// settle moves a tracked connection to out[j] (outgoing) or in[j].
func (m *mesh) settle(c net.Conn, j int, outgoing bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.extra, c)
	if m.closed {
		_ = c.Close()
		return errors.New("aborted")
	}
	slot := &m.in[j]
	if outgoing {
		slot = &m.out[j]
	}
	if *slot != nil {
		_ = c.Close()
		return fmt.Errorf("second connection from %s", m.peerName(j))
	}
	*slot = c
	return nil
}

// untrack forgets a pending connection and closes it.
func (m *mesh) untrack(c net.Conn) {
	m.mu.Lock()
	delete(m.extra, c)
	m.mu.Unlock()
	_ = c.Close()
}

// tuneConn enlarges socket buffers of real TCP connections; large buffers
// keep loopback transfers from stalling on window updates.
func tuneConn(c net.Conn) {
	type buffered interface {
		SetReadBuffer(int) error
		SetWriteBuffer(int) error
	}
	if b, ok := c.(buffered); ok {
		_ = b.SetReadBuffer(4 << 20) // best effort; the kernel may cap it
		_ = b.SetWriteBuffer(4 << 20)
	}
}

// connect dials every peer and accepts a connection from every peer, all
// within cfg.StartupTimeout. Errors name the peer that did not come up.
func (m *mesh) connect(ctx context.Context, cfg *Config) error {
	if len(m.addrs) == 1 {
		return nil
	}
	sctx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()
	me := hello{from: m.id, n: len(m.addrs), mode: cfg.Split}.signed(cfg.Token)
	p := newPhase(m.abort)
	for j := range m.addrs {
		if j != m.id {
			p.run(func() error { return m.dialPeer(sctx, cfg, j, me) })
		}
	}
	p.run(func() error { return m.acceptAll(sctx, me, cfg.Token) })
	return p.wait()
}

// dialPeer dials peer j with exponential backoff until ctx ends and sends
// our hello on the new connection.
func (m *mesh) dialPeer(ctx context.Context, cfg *Config, j int, me hello) error {
	const maxBackoff = 500 * time.Millisecond
	backoff := 10 * time.Millisecond
	var lastErr error
	for {
		c, err := cfg.Dial(ctx, m.addrs[j])
		if err == nil {
			if !m.track(c) {
				return errors.New("aborted")
			}
			tuneConn(c)
			if dl, ok := ctx.Deadline(); ok {
				_ = c.SetWriteDeadline(dl) // an error here resurfaces on Write
			}
			err = writeFrame(c, frameHello, me.encode())
			_ = c.SetWriteDeadline(time.Time{})
			if err == nil {
				return m.settle(c, j, true)
			}
			m.untrack(c)
		}
		lastErr = err
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s never came up within %v: last dial error: %w", m.peerName(j), cfg.StartupTimeout, lastErr)
		case <-m.done:
			t.Stop()
			return errors.New("aborted")
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// Bounds on connections still in their handshake: anyone who can reach the
// port can open one, so each costs only a goroutine and a few bytes, lasts
// at most helloTimeout, and there are at most maxPendingHellos at once.
const (
	helloTimeout     = 5 * time.Second
	maxPendingHellos = 256
)

// acceptAll accepts connections until every peer has sent a valid hello.
// Connections that do not start with a hello, or whose hello does not carry
// the run's token, are dropped; the run goes on waiting for the real peer.
func (m *mesh) acceptAll(ctx context.Context, me hello, token []byte) error {
	type arrival struct {
		c net.Conn
		h hello
	}
	arrivals := make(chan arrival)
	var pending atomic.Int32
	actx, acancel := context.WithCancel(ctx)
	stopClose := context.AfterFunc(actx, func() { _ = m.ln.Close() })
	var wg sync.WaitGroup
	defer func() {
		acancel()
		stopClose()
		_ = m.ln.Close() // no more peers are expected
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := m.ln.Accept()
			if err != nil {
				return // listener closed
			}
			if !m.track(c) {
				return
			}
			if pending.Add(1) > maxPendingHellos {
				pending.Add(-1)
				m.untrack(c)
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer pending.Add(-1)
				_ = c.SetReadDeadline(time.Now().Add(helloTimeout)) // an error resurfaces on the read
				stop := context.AfterFunc(actx, func() { _ = c.SetReadDeadline(time.Now()) })
				h, err := readHello(c)
				stop()
				if err != nil {
					m.untrack(c)
					return
				}
				_ = c.SetReadDeadline(time.Time{})
				select {
				case arrivals <- arrival{c, h}:
				case <-actx.Done():
					m.untrack(c)
				}
			}()
		}
	}()
	missing := len(m.addrs) - 1
	forged := map[int]bool{} // peers for whom a hello with a wrong token came
	for missing > 0 {
		select {
		case a := <-arrivals:
			h := a.h
			if !h.verify(token) {
				// Not one of us (or a peer with another config file):
				// drop it without ending the run, or anyone could stop it.
				m.untrack(a.c)
				forged[h.from] = true
				continue
			}
			if h.from < 0 || h.from >= len(m.addrs) || h.from == m.id {
				m.untrack(a.c)
				return fmt.Errorf("hello from unknown server id %d", h.from)
			}
			if h.n != me.n || h.mode != me.mode {
				m.untrack(a.c)
				return fmt.Errorf("%s runs with %d servers and split mode %v; this server has %d and %v",
					m.peerName(h.from), h.n, h.mode, me.n, me.mode)
			}
			tuneConn(a.c)
			if err := m.settle(a.c, h.from, false); err != nil {
				return err
			}
			missing--
		case <-ctx.Done():
			var names []string
			m.mu.Lock()
			for j, c := range m.in {
				if c == nil && j != m.id {
					name := m.peerName(j)
					if forged[j] {
						name += " (a hello claiming to be it had the wrong token: same config file?)"
					}
					names = append(names, name)
				}
			}
			m.mu.Unlock()
			return fmt.Errorf("no connection from %v within the startup window", names)
		}
	}
	return nil
}

// phase runs goroutines of one protocol phase. The first error is kept and
// aborts the mesh so that the other goroutines, blocked in I/O, return.
type phase struct {
	wg    sync.WaitGroup
	once  sync.Once
	err   error
	abort func()
}

func newPhase(abort func()) *phase { return &phase{abort: abort} }

func (p *phase) run(f func() error) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := f(); err != nil {
			p.once.Do(func() { p.err = err })
			p.abort()
		}
	}()
}

// wait waits for all goroutines and returns the first error.
func (p *phase) wait() error {
	p.wg.Wait()
	return p.err
}
