package surfstore

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// Server-side limits (ServerOptions; limits.go and listener.go have the
// memory and connection caps).
const (
	// CallTimeout bounds how long a server works on one call.
	CallTimeout = 30 * time.Second
	// MaxConcurrentStreams caps the calls one client connection runs at
	// once (a sync client makes one at a time; a client asking for more
	// waits for a free stream).
	MaxConcurrentStreams = 16
	// IdleTimeout closes a connection that had no call for this long
	// (gRPC then waits up to 5 s more for the peer's ack of its GOAWAY).
	// A client or raft peer whose connection was closed reconnects at its
	// next call.
	IdleTimeout = 10 * time.Second
	// HandshakeTimeout bounds a new connection's setup: a connection that
	// does not complete the HTTP/2 preface in time is closed.
	HandshakeTimeout = 5 * time.Second
)

// BlockStoreServerOptions returns the grpc.Server options of a BlockStore:
// requests of at most MaxBlockStoreMessage (a block and a little), and the
// limits every server has (ServerOptions).
func BlockStoreServerOptions() []grpc.ServerOption {
	return serverOptions(MaxBlockStoreMessage)
}

// MetaStoreServerOptions returns the grpc.Server options of a MetaStore or
// a raft server: requests of at most MaxMetaStoreMessage (a file of
// MaxHashesPerFile blocks), and the limits every server has.
func MetaStoreServerOptions() []grpc.ServerOption {
	return serverOptions(MaxMetaStoreMessage)
}

// ServerOptions returns the grpc.Server options of a server of both kinds
// (the larger receive cap of the two) with the limits every surfstore
// server has: a decode budget per request, calls in flight capped per
// connection, per remote host and in total, idle and handshake timeouts,
// and a deadline on every call, so no client can make a server hold
// unbounded memory, goroutines or connections. Serve it on a listener from
// Listen (or LimitListener) to cap connections too.
func ServerOptions() []grpc.ServerOption {
	return serverOptions(max(MaxBlockStoreMessage, MaxMetaStoreMessage))
}

func serverOptions(maxRecv int) []grpc.ServerOption {
	return append(limitOptions(maxRecv),
		grpc.MaxSendMsgSize(MaxMessageSize),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.ConnectionTimeout(HandshakeTimeout),
		grpc.KeepaliveParams(keepalive.ServerParameters{MaxConnectionIdle: IdleTimeout}),
		grpc.ChainUnaryInterceptor(deadlineInterceptor),
	)
}

// deadlineInterceptor gives every call at most CallTimeout, whatever
// deadline (or none) the client sent.
func deadlineInterceptor(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return handler(ctx, req)
}
