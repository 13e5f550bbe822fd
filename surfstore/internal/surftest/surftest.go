// Package surftest runs surfstore's gRPC services over labrpc's simulated
// streams, so the graded tests run in a synctest bubble in virtual time:
// Serve starts a grpc.Server on a labrpc listener, and DialOptions makes
// grpc.NewClient dial through the same network from a named host.
//
// gRPC is built for real sockets, but all it needs is a net.Listener and a
// context dialer; labrpc's streams honour deadlines and Close, so grpc's
// goroutines (transport readers, loopy writers, keepalive and backoff
// timers) run and exit inside the bubble. Stop the server and Close every
// ClientConn before the test ends: both are needed for the harness's leak
// check (grpc.Server.Stop ends the server side, ClientConn.Close the
// client's resolver, balancer and transport goroutines).
package surftest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"distlabs/labrpc"
)

// Serve listens at addr ("host:port") on rn, registers services on a new
// grpc.Server built with opts, and serves it in a goroutine until the test
// ends (a t.Cleanup stops it) or the caller calls Stop. It fails the test
// if addr cannot be listened on.
func Serve(t testing.TB, rn *labrpc.Network, addr string, register func(*grpc.Server), opts ...grpc.ServerOption) *grpc.Server {
	t.Helper()
	l, err := rn.Listen(addr)
	if err != nil {
		t.Fatalf("surftest: listen %s: %v", addr, err)
	}
	srv := grpc.NewServer(opts...)
	register(srv)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve returns nil after Stop, or ErrServerStopped (having
		// closed l) when a short test's cleanup stopped the server before
		// this goroutine ran; any other error is the listener's.
		if err := srv.Serve(l); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			t.Errorf("surftest: serve %s: %v", addr, err)
		}
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return srv
}

// DialOptions returns the grpc.NewClient options that reach rn's listeners
// from host from: a context dialer over labrpc streams and no transport
// security. Use targets of the form Target(addr).
func DialOptions(rn *labrpc.Network, from string) []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := rn.DialContext(ctx, from, addr)
			if err != nil {
				return nil, fmt.Errorf("surftest: dial %s from %s: %w", addr, from, err)
			}
			return c, nil
		}),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
	}
}

// Target is the grpc target for a labrpc address: the passthrough
// resolver hands addr to the context dialer as it is, with no DNS lookup.
func Target(addr string) string { return "passthrough:///" + addr }
