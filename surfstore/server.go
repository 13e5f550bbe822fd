package surfstore

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Server-side limits (ServerOptions).
const (
	// CallTimeout bounds how long a server works on one call.
	CallTimeout = 30 * time.Second
	// MaxConcurrentStreams caps the calls one client connection runs at
	// once.
	MaxConcurrentStreams = 64
	// IdleTimeout closes a connection that had no call for this long.
	IdleTimeout = 5 * time.Minute
	// HandshakeTimeout bounds a new connection's setup.
	HandshakeTimeout = 10 * time.Second
)

// ServerOptions returns the grpc.Server options every surfstore server
// uses: message size caps, a cap on concurrent calls per connection, idle
// and handshake timeouts, and a deadline on every call, so no client can
// make a server hold unbounded memory, goroutines or connections.
func ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(MaxMessageSize),
		grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.ConnectionTimeout(HandshakeTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: IdleTimeout}),
		grpc.ChainUnaryInterceptor(deadlineInterceptor),
	}
}

// deadlineInterceptor gives every call at most CallTimeout, whatever
// deadline (or none) the client sent.
func deadlineInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return handler(ctx, req)
}
