package grpc

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"distlabs/labrpc"
	coursenet "distlabs/test/port/net"
)

// TestCourseCodeOverLabrpc does what course code does after the import
// changes: listen on ":0", name itself by another host and the port it got,
// serve with NewServer and dial that name with Dial. The call must cross
// the labrpc network (the listener is on the host ListenOn named) and go
// through the server options of Use; after restore, NewServer adds nothing.
func TestCourseCodeOverLabrpc(t *testing.T) {
	rn := labrpc.MakeNetwork()
	defer rn.Cleanup()
	defer coursenet.Use(rn)()
	var calls atomic.Int64
	count := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		calls.Add(1)
		return h(ctx, req)
	}

	coursenet.ListenOn("node1")
	lis, err := coursenet.Listen("tcp", ":0")
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	if !strings.HasPrefix(lis.Addr().String(), "node1:") {
		t.Fatalf("listener at %v, want a port of node1", lis.Addr())
	}
	_, port, err := coursenet.SplitHostPort(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	restore := Use(ChainUnaryInterceptor(count))
	srv := NewServer()
	restore()
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(lis) // ends at srv.Stop
	defer srv.Stop()

	cc, err := Dial("somehostname:"+port, WithInsecure(), FailOnNonTempDialError(true), WithBlock())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("Check over labrpc: %v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("the server options of Use saw %d calls, want 1", calls.Load())
	}
	if len(serverOpts.opts) != 0 {
		t.Fatalf("Use's options outlived restore")
	}
}

// TestDialWithoutUse is the standard library's dial: a port nobody
// listens on is refused at the first call, not routed anywhere else.
func TestDialWithoutUse(t *testing.T) {
	lis, err := coursenet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	addr := lis.Addr().String()
	lis.Close() // a port just freed: the dial is refused
	cc, err := Dial(addr, WithInsecure())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(cc).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
		t.Fatalf("Check on a closed port %s succeeded", addr)
	}
}
