package labrpc_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// Big answers with a reply of the requested size, after gate (if set) is
// closed.
type Big struct{ gate chan struct{} }

// Reply returns n bytes.
func (b *Big) Reply(n int, reply *string) {
	if b.gate != nil {
		<-b.gate
	}
	*reply = strings.Repeat("x", n)
}

// TestTotalBytesCountsReplies checks what GetTotalBytes counts.
//
// Spec labrpc.md: GetTotalBytes is the request bytes plus the delivered
// reply bytes. The raft tests bound bytes per agreement with it
// (TestRPCBytes2B), so a reply that is not counted hides a leader that
// ships its whole log in replies, and a lost reply that is counted makes
// an unreliable network look more expensive than it is.
func TestTotalBytesCountsReplies(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		big := &Big{}
		rn, e := serveOne(t, big)

		const n = 10000
		before := rn.GetTotalBytes()
		var s string
		if !e.Call("Big.Reply", n, &s) || len(s) != n {
			t.Fatalf("Big.Reply(%d) failed on a reliable network (got %d bytes)", n, len(s))
		}
		if d := rn.GetTotalBytes() - before; d < n || d > n+200 {
			t.Fatalf("a call with a %d-byte reply added %d to GetTotalBytes, want the request plus the reply (%d..%d)", n, d, n, n+200)
		}

		// A reply that never arrives (the server is deleted while the
		// handler runs) counts nothing beyond the request.
		big.gate = make(chan struct{})
		before = rn.GetTotalBytes()
		done := make(chan bool)
		go func() {
			var s string
			done <- e.Call("Big.Reply", n, &s)
		}()
		for rn.GetCount("server") < 2 {
			time.Sleep(time.Millisecond)
		}
		rn.DeleteServer("server")
		close(big.gate)
		if <-done {
			t.Fatalf("a call to a server deleted while its handler ran succeeded")
		}
		time.Sleep(time.Second) // let the abandoned handler finish
		if d := rn.GetTotalBytes() - before; d >= n {
			t.Fatalf("a lost %d-byte reply added %d to GetTotalBytes: only delivered replies count", n, d)
		}
	})
}

// Byte counts must not depend on which pooled codec a call draws (a fresh
// one resends type definitions): every identical call counts the same.
func TestRegressionBytesIndependentOfPool(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		var sizes []int
		var mu sync.Mutex
		rn.SetTrace(func(ev labrpc.Event) { mu.Lock(); sizes = append(sizes, ev.Size); mu.Unlock() })
		serveOn(rn, "s", &PoolSvc{})
		e := endTo(rn, "e", "s")
		var before int64
		for i := 0; i < 3; i++ {
			var r PoolReply
			e.Call("PoolSvc.Do", PoolArgs{X: 7}, &r)
			if i == 0 {
				before = rn.GetTotalBytes()
			}
		}
		assert.Equal(t, []int{sizes[0], sizes[0], sizes[0]}, sizes, "request sizes")
		assert.Equal(t, 3*before, rn.GetTotalBytes(), "the first call (fresh codecs) counts like the others")
	})
}

// PoolArgs, PoolReply and PoolSvc are used by no other test, so the first
// call above draws fresh codecs that must send type definitions.
type PoolArgs struct{ X int }

// PoolReply is PoolSvc's reply.
type PoolReply struct{ Y int }

// PoolSvc doubles its argument.
type PoolSvc struct{}

// Do replies with 2*X.
func (PoolSvc) Do(args PoolArgs, reply *PoolReply) { reply.Y = 2 * args.X }
