package labrpc_test

import (
	"strings"
	"testing"
	"time"

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
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		big := &Big{}
		rs := labrpc.MakeServer()
		rs.AddService(labrpc.MakeService(big))
		rn.AddServer("server", rs)
		e := rn.MakeEnd("end")
		rn.Connect("end", "server")
		rn.Enable("end", true)

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
