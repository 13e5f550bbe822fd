package surftest

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/labrpc"
	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// fakeBlocks answers GetBlockHashes with one hash, and GetBlock after a
// virtual delay, to see that timers in a handler advance virtual time.
type fakeBlocks struct {
	surfstore.UnimplementedBlockStoreServer
}

func (fakeBlocks) GetBlockHashes(context.Context, *emptypb.Empty) (*surfstore.BlockHashes, error) {
	return &surfstore.BlockHashes{Hashes: []string{"h"}}, nil
}

func (fakeBlocks) GetBlock(ctx context.Context, _ *surfstore.BlockHash) (*surfstore.Block, error) {
	select {
	case <-time.After(time.Hour):
		return &surfstore.Block{}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestGRPCInBubble checks that a gRPC call works over labrpc streams in a
// bubble, that a deadline fires in virtual time, and (with
// DISTLABS_LEAKS=strict) that no grpc goroutine outlives Stop and Close.
func TestGRPCInBubble(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.StrictLeaks()
		rn := labrpc.MakeNetwork()
		t.Cleanup(rn.Cleanup)
		Serve(t, rn, "block:1", func(s *grpc.Server) { surfstore.RegisterBlockStoreServer(s, fakeBlocks{}) })
		conn, err := grpc.NewClient(Target("block:1"), DialOptions(rn, "client")...)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		c := surfstore.NewBlockStoreClient(conn)
		for i := 0; i < 3; i++ {
			got, err := c.GetBlockHashes(context.Background(), &emptypb.Empty{})
			if err != nil || len(got.Hashes) != 1 || got.Hashes[0] != "h" {
				t.Fatalf("GetBlockHashes = %v, %v", got, err)
			}
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := c.GetBlock(ctx, &surfstore.BlockHash{Hash: "h"}); err == nil {
			t.Fatal("GetBlock returned before its deadline")
		}
		if d := time.Since(start); d < 10*time.Second || d > 11*time.Second {
			t.Fatalf("deadline took %v of virtual time, want 10s", d)
		}
	})
}

// TestGRPCReconnect checks that a client whose server went away gets an
// error (not a hang) and reaches the server again after it comes back at
// the same address: grpc's reconnect backoff runs on virtual timers.
func TestGRPCReconnect(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.StrictLeaks()
		rn := labrpc.MakeNetwork()
		t.Cleanup(rn.Cleanup)
		reg := func(s *grpc.Server) { surfstore.RegisterBlockStoreServer(s, fakeBlocks{}) }
		srv := Serve(t, rn, "block:1", reg)
		conn, err := grpc.NewClient(Target("block:1"), DialOptions(rn, "client")...)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		c := surfstore.NewBlockStoreClient(conn)
		if _, err := c.GetBlockHashes(context.Background(), &emptypb.Empty{}); err != nil {
			t.Fatal(err)
		}
		srv.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := c.GetBlockHashes(ctx, &emptypb.Empty{}); err == nil {
			t.Fatal("call to a stopped server succeeded")
		}
		time.Sleep(time.Second)
		Serve(t, rn, "block:1", reg)
		start := time.Now()
		ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel2()
		if _, err := c.GetBlockHashes(ctx2, &emptypb.Empty{}, grpc.WaitForReady(true)); err != nil {
			t.Fatalf("after restart: %v", err)
		}
		t.Logf("reconnected after %v of virtual time", time.Since(start))
	})
}
