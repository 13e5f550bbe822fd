package tritonhttp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultTimeout is how long the server waits for a whole request, counted
// from the moment it starts reading it (the spec's 5 s).
const DefaultTimeout = 5 * time.Second

// ErrServerClosed is returned by Serve once Shutdown or Close was called.
var ErrServerClosed = errors.New("tritonhttp: server closed")

// Config configures a Server.
type Config struct {
	// VirtualHosts maps a lower-case host name to its docroot directory
	// (see LoadVirtualHosts). At least one is required.
	VirtualHosts map[string]string
	// Timeout is the per-request read timeout; zero means DefaultTimeout.
	Timeout time.Duration
	// AccessLog, when not nil, receives one record per response.
	AccessLog *slog.Logger
	//solution:begin

	// MaxConns caps the connections the server serves at once. Zero means
	// DefaultMaxConns, or, once the server serves a listener of operating
	// system sockets (one with a SyscallConn method, as *net.TCPListener),
	// fewer if the descriptor limit allows fewer (see connsForFDs). At the
	// cap, a new connection waits until one ends; to make room the server
	// closes the connection that has waited longest for a request, once it
	// has waited at least a twentieth of Timeout (see evictLocked).
	MaxConns int
	//solution:end
}

//solution:begin

// DefaultMaxConns is the connection cap when Config.MaxConns is zero and the
// descriptor limit allows as many. The cap bounds memory as well as
// descriptors: an idle connection costs its goroutine and buffers, and one
// that holds a large request head open costs more (README.md, "Limits
// against hostile or broken clients", has measured figures).
const DefaultMaxConns = 4096

// fdReserve is the number of descriptors NewServer sets aside for everything
// but connections and the files they serve: standard streams, the runtime's
// poller, listeners, an access log.
const fdReserve = 32

// connsForFDs returns how many connections fit in a descriptor limit: each
// needs at most two descriptors (its socket, and the file it is sending),
// after the reserve and one descriptor per docroot held open.
func connsForFDs(limit uint64, docroots int) int {
	need := uint64(fdReserve + docroots)
	if limit <= need+2 {
		return 1
	}
	return int(min((limit-need)/2, 1<<30))
}

//solution:end

// Server serves TritonHTTP on any number of listeners. Create it with
// NewServer; stop it with Shutdown or Close, which also end every goroutine it
// started.
type Server struct {
	timeout time.Duration
	log     *slog.Logger
	// hosts is read-only after NewServer.
	hosts map[string]*os.Root
	//solution:begin
	date dateCache
	//solution:end

	// wg counts running Serve loops and connection goroutines.
	wg sync.WaitGroup
	// stopping is set once Shutdown or Close started; connection goroutines
	// read it between requests (see startRequest).
	stopping atomic.Bool

	rootsOnce sync.Once

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[net.Conn]struct{}
	// stop is closed when Shutdown or Close starts; it cuts short Serve's
	// back-off after an accept error.
	stop chan struct{}
	//solution:begin

	// maxConns caps len(conns) (Config.MaxConns); fitFDs says that
	// Serve may still lower it to the descriptor limit. Guarded by mu.
	maxConns int
	fitFDs   bool
	// grace is how long a connection may wait for a request before it
	// can be closed to make room (Timeout/20).
	grace time.Duration
	// clocks holds every served connection's connClock; guarded by mu.
	clocks map[net.Conn]*connClock
	// room (on mu) is broadcast whenever a connection ends and when the
	// server stops; Serve waits on it at the cap.
	room sync.Cond
	// starved is set while Serve waits at the cap with no connection it
	// could close; a connection that starts waiting for a request then
	// broadcasts room (see evictLocked).
	starved atomic.Bool
	//solution:end
}

// NewServer opens every virtual host's docroot and returns a server ready to
// Serve. The docroots are held open (as os.Root) until Close or Shutdown.
func NewServer(cfg Config) (*Server, error) {
	if len(cfg.VirtualHosts) == 0 {
		return nil, errors.New("tritonhttp: no virtual hosts configured")
	}
	s := &Server{
		timeout:   cfg.Timeout,
		log:       cfg.AccessLog,
		hosts:     make(map[string]*os.Root, len(cfg.VirtualHosts)),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[net.Conn]struct{}),
		stop:      make(chan struct{}),
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	//solution:begin
	s.clocks = make(map[net.Conn]*connClock)
	s.room.L = &s.mu
	s.grace = s.timeout / 20
	s.maxConns = cfg.MaxConns
	if s.maxConns <= 0 {
		s.maxConns, s.fitFDs = DefaultMaxConns, true
	}
	//solution:end
	for host, dir := range cfg.VirtualHosts {
		root, err := os.OpenRoot(dir)
		if err != nil {
			s.closeRoots()
			return nil, fmt.Errorf("tritonhttp: virtual host %q: %w", host, err)
		}
		s.hosts[strings.ToLower(host)] = root
	}
	return s, nil
}

// Serve accepts connections on l and serves each on its own goroutine until
// the server is shut down or l fails. It closes l before returning, and
// returns ErrServerClosed after Shutdown or Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.stopping.Load() {
		s.mu.Unlock()
		_ = l.Close() // the server is gone; the listener is of no further use
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	//solution:begin
	s.fitDescriptorsLocked(l)
	//solution:end
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		_ = l.Close() // may already be closed by Shutdown; nothing to report
	}()

	var backoff time.Duration
	for {
		c, err := l.Accept()
		if err != nil {
			if s.stopping.Load() {
				return ErrServerClosed
			}
			// A temporary failure (above all, no file descriptor left)
			// passes once connections end: wait, 5 ms doubling to 1 s as
			// net/http does, instead of giving up the listener.
			if temporaryAcceptError(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				wait := time.NewTimer(backoff)
				select {
				case <-wait.C:
				case <-s.stop:
					wait.Stop()
				}
				continue
			}
			return fmt.Errorf("tritonhttp: accept: %w", err)
		}
		backoff = 0
		s.mu.Lock()
		//solution:begin
		s.waitForRoomLocked()
		//solution:end
		if s.stopping.Load() {
			s.mu.Unlock()
			_ = c.Close() // accepted during shutdown: refuse it
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// temporaryAcceptError reports whether an Accept error is likely to pass:
// the process or the system is out of descriptors or memory, a connection
// was aborted or reset before it could be accepted, or an accept deadline
// passed. (net.Error's Temporary, which net/http consults, is deprecated and
// leaves out the shortage of memory.)
func temporaryAcceptError(err error) bool {
	for _, errno := range []syscall.Errno{
		syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.ECONNRESET, syscall.EINTR,
	} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Shutdown stops the server gracefully: it closes the listeners, lets every
// response being written finish, closes idle connections (and connections
// whose client is still sending a request) and waits for all connection
// goroutines to end. If ctx ends first, it falls back to Close and returns
// ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginStop()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.closeRoots()
		return nil
	case <-ctx.Done():
		s.Close()
		<-done
		return fmt.Errorf("tritonhttp: shutdown: %w", ctx.Err())
	}
}

// Close stops the server at once: it closes the listeners and every
// connection, then waits for all goroutines of the server to end.
func (s *Server) Close() {
	s.beginStop()
	s.mu.Lock()
	for c := range s.conns {
		_ = c.Close() // force-close; the connection goroutine reports nothing
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.closeRoots()
}

// beginStop marks the server as stopping, closes its listeners and wakes
// every connection blocked reading a request, so that it notices.
func (s *Server) beginStop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopping.Store(true)
	for l := range s.listeners {
		_ = l.Close() // Serve sees the error, then the stopping flag
	}
	// A read deadline in the past makes pending reads return at once. It is
	// set after the stopping flag; see startRequest for why no wake-up is
	// lost.
	past := time.Unix(1, 0)
	for c := range s.conns {
		_ = c.SetReadDeadline(past) // fails only on a closed conn
	}
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	//solution:begin
	s.room.Broadcast() // a Serve waiting for room must see the flag
	//solution:end
}

// closeRoots releases the docroot handles once no goroutine can use them.
func (s *Server) closeRoots() {
	s.rootsOnce.Do(func() {
		for _, root := range s.hosts {
			_ = root.Close() // read-only handle; closing cannot lose data
		}
	})
}

//solution:begin

// startRequest arms the read deadline for the next request and starts the
// connection's clock, unless the server is stopping or evicted the
// connection (then it should close). It takes no lock, as it runs once per
// request on every connection: beginStop and evictLocked store their flag
// before they move the deadline into the past, and this function loads the
// flags after it sets the deadline, so either the past deadline lands after
// ours or we see the flag.
func (s *Server) startRequest(c net.Conn, clk *connClock) bool {
	if s.stopping.Load() || clk.evicted.Load() {
		return false
	}
	now := time.Now()
	clk.since.Store(now.UnixNano())
	if s.starved.Load() {
		// Serve waits at the cap for a connection it may close: this one.
		s.mu.Lock()
		s.room.Broadcast()
		s.mu.Unlock()
	}
	_ = c.SetReadDeadline(now.Add(s.timeout)) // a closed conn fails the next read anyway
	return !s.stopping.Load() && !clk.evicted.Load()
}

//solution:end

// forget removes a finished connection from the tracked set.
func (s *Server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	//solution:begin
	delete(s.clocks, c)
	s.room.Broadcast()
	//solution:end
	s.mu.Unlock()
}

//solution:begin

// connClock tells Serve, at the connection cap, which connections wait for a
// request and since when.
type connClock struct {
	// since is when the connection began waiting for its current request
	// (head and body), in Unix nanoseconds; 0 while no request is being
	// read: before the first, and while a response is made.
	since atomic.Int64
	// evicted is set when Serve closes the connection to make room.
	evicted atomic.Bool
}

// track registers a new connection's clock.
func (s *Server) track(c net.Conn) *connClock {
	clk := new(connClock)
	s.mu.Lock()
	s.clocks[c] = clk
	s.mu.Unlock()
	return clk
}

// fitDescriptorsLocked lowers the default cap, when l hands out operating
// system sockets, so that every connection can also open its file: a server
// that runs out of descriptors fails clients it has already accepted (a file
// it cannot open is a 500), and the accept queue fills with clients it
// cannot take. Streams that hold no descriptor (labrpc's) need no such
// limit. s.mu is held.
func (s *Server) fitDescriptorsLocked(l net.Listener) {
	if _, ok := l.(syscall.Conn); !ok || !s.fitFDs {
		return
	}
	s.fitFDs = false
	if limit, ok := fdLimit(); ok {
		s.maxConns = min(s.maxConns, connsForFDs(limit, len(s.hosts)))
	}
}

// waitForRoomLocked returns, with s.mu held, once fewer than maxConns
// connections are open or the server is stopping. At the cap it makes room
// (evictLocked) and waits for a connection to end. The connection Serve
// just accepted waits meanwhile; those behind it wait in the listener's
// queue, holding no descriptor of ours.
func (s *Server) waitForRoomLocked() {
	for len(s.conns) >= s.maxConns && !s.stopping.Load() {
		var wake *time.Timer
		if d := s.evictLocked(); d > 0 {
			wake = time.AfterFunc(d, s.wakeServe)
		}
		s.room.Wait()
		if wake != nil {
			wake.Stop()
		}
	}
	s.starved.Store(false)
}

// wakeServe wakes a Serve waiting for room, to look again.
func (s *Server) wakeServe() {
	s.mu.Lock()
	s.room.Broadcast()
	s.mu.Unlock()
}

// evictLocked closes, to make room for a new connection, the connection
// that has waited longest for its current request: the timeout would close
// it anyway if nothing arrives, and a client that opens connections and
// sends nothing (or sends a request a byte at a time) must not keep a
// well-behaved one out for that long. The connection is woken as by its
// timeout: closed silently if nothing of the request arrived, 400 if part
// did. RFC 9112 §9.5 lets a server close an idle connection at any time; a
// client resends its GET on a new one.
//
// A connection is only closed once it has waited s.grace (a twentieth of
// the timeout, 250 ms by default). A client sends its request right after
// it connects, so the grace protects the newcomers the cap makes room for:
// without it, a flood of connections makes every connection the oldest
// within milliseconds, and a well-behaved client is closed before its
// request arrives. It also bounds the rate at which a flood can make the
// server close and accept connections to maxConns per grace period. If the
// longest-waiting connection is younger, evictLocked returns how long until
// it is old enough.
//
// Connections making a response are never chosen. If every connection is,
// nothing is closed: the starved flag asks the first one to start waiting
// for a request to wake Serve (startRequest), so the newcomer need not wait
// for a whole timeout. While a closed connection has not ended yet, no
// other is closed, so a burst of newcomers does not empty the server.
// s.mu is held.
func (s *Server) evictLocked() time.Duration {
	// The flag is set before the clocks are read, and startRequest sets
	// its clock before it reads the flag: either we see the clock, or it
	// sees the flag and broadcasts once we wait.
	s.starved.Store(true)
	var victim net.Conn
	var clock *connClock
	var oldest int64
	for c, clk := range s.clocks {
		since := clk.since.Load()
		if since == 0 {
			continue // making a response, or not started
		}
		if clk.evicted.Load() {
			s.starved.Store(false)
			return 0 // one is on its way out: its end wakes Serve
		}
		if victim == nil || since < oldest {
			victim, clock, oldest = c, clk, since
		}
	}
	if victim == nil {
		return 0
	}
	s.starved.Store(false)
	if waited := time.Since(time.Unix(0, oldest)); waited < s.grace {
		return s.grace - waited
	}
	// Same order as beginStop: the flag, then the deadline (see
	// startRequest).
	clock.evicted.Store(true)
	_ = victim.SetReadDeadline(time.Unix(1, 0)) // fails only on a closed conn, which is ending anyway
	return 0
}

//solution:end

//solution:begin

// root returns the docroot for a Host header value, with the port stripped
// and compared case-insensitively, or nil for an unknown host.
func (s *Server) root(host string) *os.Root {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i >= 0 {
			host = host[:i+1]
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if r, ok := s.hosts[host]; ok {
		return r
	}
	return s.hosts[strings.ToLower(host)]
}

//solution:end
