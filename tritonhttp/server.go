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
}

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

// startRequest arms the read deadline for the next request, unless the
// server is stopping (then the connection should close). It takes no lock,
// as it runs once per request on every connection: beginStop stores the
// stopping flag before it moves the deadlines into the past, and this
// function loads the flag after it sets the deadline, so either the past
// deadline lands after ours or we see the flag.
func (s *Server) startRequest(c net.Conn) bool {
	if s.stopping.Load() {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(s.timeout)) // a closed conn fails the next read anyway
	return !s.stopping.Load()
}

//solution:end

// forget removes a finished connection from the tracked set.
func (s *Server) forget(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

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
