package net

import (
	"context"
	"fmt"
	stdnet "net"
	"sync"
	"time"
)

// The standard library's types and helpers, unchanged.
type (
	// Listener is net.Listener.
	Listener = stdnet.Listener
	// Conn is net.Conn.
	Conn = stdnet.Conn
	// Addr is net.Addr.
	Addr = stdnet.Addr
	// TCPAddr is net.TCPAddr.
	TCPAddr = stdnet.TCPAddr
	// IP is net.IP.
	IP = stdnet.IP
	// Error is net.Error.
	Error = stdnet.Error
	// OpError is net.OpError.
	OpError = stdnet.OpError
)

var (
	// SplitHostPort is net.SplitHostPort.
	SplitHostPort = stdnet.SplitHostPort
	// JoinHostPort is net.JoinHostPort.
	JoinHostPort = stdnet.JoinHostPort
	// ParseIP is net.ParseIP.
	ParseIP = stdnet.ParseIP
	// ErrClosed is net.ErrClosed.
	ErrClosed = stdnet.ErrClosed
)

// DialHost is the host every dial of ported code comes from under Use.
const DialHost = "course"

// Network is what Use routes listens and dials to: a labrpc network
// (*labrpc.Network) has these methods.
type Network interface {
	Listen(addr string) (stdnet.Listener, error)
	DialContext(ctx context.Context, from, addr string) (stdnet.Conn, error)
}

// state is the network in use and the host the next Listen opens on.
var state struct {
	mu     sync.Mutex
	net    Network
	host   string
	hostOf func(n int) string // under ListenOnEach: the host of the n-th Listen
	opened int                // Listens since ListenOnEach
	byPort map[string]string  // port -> "host:port" of a listener opened here
}

// Use routes Listen and Dial to n until the returned function is called,
// which restores the standard library's. Tests run one at a time, so one
// network per process is enough; Use while another is in use panics.
func Use(n Network) (restore func()) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.net != nil {
		panic("coursenet: Use while another network is in use")
	}
	state.net, state.host, state.hostOf, state.byPort = n, "", nil, map[string]string{}
	return func() {
		state.mu.Lock()
		defer state.mu.Unlock()
		state.net, state.host, state.hostOf, state.byPort = nil, "", nil, nil
	}
}

// ListenOn makes the next Listen open on host (a host of the network in
// use): call it before starting a node, one node at a time.
func ListenOn(host string) {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.host, state.hostOf = host, nil
}

// ListenOnEach makes the Listens that follow open on hosts named by
// hostOf: the first (n = 0) on hostOf(0), the next on hostOf(1), ... For
// course code that starts several nodes in one call (PuddleStore's
// CreateCluster), so that each node still gets a host of its own, which a
// test can take down. ListenOn ends it.
func ListenOnEach(hostOf func(n int) string) {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.host, state.hostOf, state.opened = "", hostOf, 0
}

// Listen is net.Listen, or under Use a stream listener on the host named
// by ListenOn, at the port of address (0: a free one).
func Listen(network, address string) (Listener, error) {
	state.mu.Lock()
	n, host := state.net, state.host
	if n != nil && state.hostOf != nil {
		host = state.hostOf(state.opened)
		state.opened++
	}
	state.mu.Unlock()
	if n == nil {
		return stdnet.Listen(network, address)
	}
	if host == "" {
		return nil, fmt.Errorf("coursenet: listen on %s: no host named (ListenOn)", address)
	}
	_, port, err := stdnet.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("coursenet: listen on %s: %w", address, err)
	}
	lis, err := n.Listen(stdnet.JoinHostPort(host, port))
	if err != nil {
		return nil, err
	}
	_, got, err := stdnet.SplitHostPort(lis.Addr().String())
	if err != nil {
		lis.Close() // unusable: its address has no port
		return nil, fmt.Errorf("coursenet: listener address %s: %w", lis.Addr(), err)
	}
	state.mu.Lock()
	if state.net == n {
		state.byPort[got] = lis.Addr().String()
	}
	state.mu.Unlock()
	return lis, nil
}

// Dial is net.Dial.
func Dial(network, address string) (Conn, error) {
	return DialContext(context.Background(), network, address)
}

// DialTimeout is net.DialTimeout.
func DialTimeout(network, address string, timeout time.Duration) (Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return DialContext(ctx, network, address)
}

// DialContext is a net.Dialer's DialContext, or under Use a stream from
// DialHost to the listener with address's port (address itself if no
// listener opened here has it).
func DialContext(ctx context.Context, network, address string) (Conn, error) {
	state.mu.Lock()
	n := state.net
	target := address
	if n != nil {
		if _, port, err := stdnet.SplitHostPort(address); err == nil {
			if a := state.byPort[port]; a != "" {
				target = a
			}
		}
	}
	state.mu.Unlock()
	if n == nil {
		var d stdnet.Dialer
		return d.DialContext(ctx, network, address)
	}
	return n.DialContext(ctx, DialHost, target)
}
