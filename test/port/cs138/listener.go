package cs138

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// reserved serialises At: the address OpenListener gives while it runs.
var reserved struct {
	sync.Mutex
	addr string
}

// At runs open (which makes a course node, and so calls OpenListener)
// with addr as the address OpenListener gives. Calls of At run one at a
// time; OpenListener outside At fails.
func At(addr string, open func() error) error {
	reserved.Lock()
	defer reserved.Unlock()
	reserved.addr = addr
	defer func() { reserved.addr = "" }()
	return open()
}

// OpenListener returns a listener at the address At reserved, and port 0
// (the address is a bare host name of the simulated network).
func OpenListener() (net.Listener, int, error) {
	// At holds the lock while open runs, and OpenListener runs inside it
	// on the same goroutine: read the address without locking again.
	addr := reserved.addr
	if addr == "" {
		return nil, 0, errors.New("cs138: OpenListener outside cs138.At: the port's adapter gives each node its address")
	}
	return &listener{addr: addr, closed: make(chan struct{})}, 0, nil
}

// Addr is a listener's address: the harness's host name.
type Addr string

// Network returns "labrpc".
func (a Addr) Network() string { return "labrpc" }

// String returns the address.
func (a Addr) String() string { return string(a) }

// listener is a net.Listener that never accepts a connection.
type listener struct {
	addr      string
	closeOnce sync.Once
	closed    chan struct{}
}

// Accept waits until the listener is closed and reports it closed.
func (l *listener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, fmt.Errorf("accept on %s: %w", l.addr, net.ErrClosed)
}

// Close closes the listener; closing it again is an error, as for a
// net.Listener.
func (l *listener) Close() error {
	err := fmt.Errorf("close %s: %w", l.addr, net.ErrClosed)
	l.closeOnce.Do(func() {
		close(l.closed)
		err = nil
	})
	return err
}

// Addr returns the listener's address.
func (l *listener) Addr() net.Addr { return Addr(l.addr) }
