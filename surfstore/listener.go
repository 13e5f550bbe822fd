package surfstore

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Connection caps of LimitListener.
const (
	// MaxConnections caps the connections a server holds at once; Listen
	// lowers it to stay below the process's file-descriptor limit.
	MaxConnections = 512
	// MaxConnectionsPerPeer caps the connections of one remote host. A
	// sync client holds one per server during a sync, a raft server one
	// per peer; clients on one host share it.
	MaxConnectionsPerPeer = 64
	// EvictAfter is how long a connection must have sent nothing before a
	// new one may take its place when a cap is reached.
	EvictAfter = time.Second
	// fdReserve is the descriptors Listen keeps free for everything else
	// (the listener, peer connections, files, the runtime).
	fdReserve = 64
)

// LimitListener returns l with at most total connections open at once and
// at most perPeer from one remote host. When a new connection would pass
// a cap, the connection under that cap that has been silent longest (at
// least EvictAfter) is closed to make room: a client that does nothing
// cannot keep a working one out, and a client whose connection was closed
// while idle simply reconnects. If every connection is busy, Accept waits
// for one to close (new clients wait in the kernel's backlog) at the total
// cap, and closes the newcomer at a host's cap. Accept's errors are l's,
// unchanged, so grpc.Server's Serve still retries, with backoff, on a
// temporary one such as EMFILE instead of failing.
func LimitListener(l net.Listener, total, perPeer int) net.Listener {
	return &limitListener{Listener: l, total: total, perPeer: perPeer, byHost: map[string]map[*limitConn]bool{}, closed: make(chan struct{}), freed: make(chan struct{}, 1)}
}

// Listen listens on TCP at addr with LimitListener's caps: MaxConnections
// (less if the file-descriptor limit is lower, keeping fdReserve free) and
// MaxConnectionsPerPeer.
func Listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	total := MaxConnections
	if n := fdLimit(); n > 0 && n-fdReserve < total {
		total = max(n-fdReserve, 1)
	}
	return LimitListener(l, total, MaxConnectionsPerPeer), nil
}

type limitListener struct {
	net.Listener
	total, perPeer int
	closed         chan struct{}
	closeOnce      sync.Once
	freed          chan struct{} // a slot was given back (capacity 1)

	mu     sync.Mutex
	open   int
	byHost map[string]map[*limitConn]bool
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		if err := l.waitSlot(); err != nil {
			return nil, err
		}
		c, err := l.Listener.Accept()
		if err != nil {
			l.release(nil)
			return nil, err
		}
		lc := &limitConn{Conn: c, l: l, host: hostOf(c.RemoteAddr())}
		lc.lastRead.Store(time.Now().UnixNano())
		l.mu.Lock()
		if len(l.byHost[lc.host]) >= l.perPeer {
			if old := l.silentLocked(l.byHost[lc.host]); old != nil {
				// The newcomer has a slot already: give old's back now
				// (its own Close, when gRPC notices, releases nothing).
				l.forgetLocked(old)
				l.open--
				old.Conn.Close()
			} else {
				l.mu.Unlock()
				c.Close() // every connection of this host is busy
				l.release(nil)
				continue
			}
		}
		if l.byHost[lc.host] == nil {
			l.byHost[lc.host] = map[*limitConn]bool{}
		}
		l.byHost[lc.host][lc] = true
		l.mu.Unlock()
		return lc, nil
	}
}

// waitSlot takes a slot for the next connection: a free one, else one of
// a connection silent for EvictAfter, else it waits for one to close.
func (l *limitListener) waitSlot() error {
	for {
		l.mu.Lock()
		if l.open < l.total {
			l.open++
			l.mu.Unlock()
			return nil
		}
		var all []*limitConn
		for _, set := range l.byHost {
			for c := range set {
				all = append(all, c)
			}
		}
		old := l.silentLocked(all)
		if old != nil {
			l.forgetLocked(old) // the slot passes to the newcomer
			l.mu.Unlock()
			old.Conn.Close()
			return nil
		}
		l.mu.Unlock()
		t := time.NewTimer(EvictAfter / 4)
		select {
		case <-l.freed:
		case <-t.C:
		case <-l.closed:
			t.Stop()
			return net.ErrClosed
		}
		t.Stop()
	}
}

// silentLocked returns the connection of conns ([]*limitConn or a set)
// silent longest, if it has been silent for EvictAfter, else nil.
func (l *limitListener) silentLocked(conns any) *limitConn {
	var best *limitConn
	var bestAt int64
	visit := func(c *limitConn) {
		if at := c.lastRead.Load(); best == nil || at < bestAt {
			best, bestAt = c, at
		}
	}
	switch cs := conns.(type) {
	case []*limitConn:
		for _, c := range cs {
			visit(c)
		}
	case map[*limitConn]bool:
		for c := range cs {
			visit(c)
		}
	}
	if best == nil || time.Since(time.Unix(0, bestAt)) < EvictAfter {
		return nil
	}
	return best
}

// forgetLocked stops counting c against its host; its slot is the
// caller's to pass on or give back.
func (l *limitListener) forgetLocked(c *limitConn) {
	c.evicted = true
	delete(l.byHost[c.host], c)
	if len(l.byHost[c.host]) == 0 {
		delete(l.byHost, c.host)
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// release gives back the slot of c (nil: a slot taken for no connection).
func (l *limitListener) release(c *limitConn) {
	l.mu.Lock()
	if c != nil {
		if c.evicted {
			l.mu.Unlock()
			return // its slot went to the connection that evicted it
		}
		l.forgetLocked(c)
	}
	l.open--
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// limitConn records when it last received bytes and gives its slot back
// once, on its first Close.
type limitConn struct {
	net.Conn
	l        *limitListener
	host     string
	lastRead atomic.Int64 // unix nanoseconds
	evicted  bool         // guarded by l.mu
	once     sync.Once
}

func (c *limitConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.lastRead.Store(time.Now().UnixNano())
	}
	return n, err
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c) })
	return err
}
