//go:build !distlabs_ported

package kvpaxos

// A handout test (see the top-level README, "Porting existing student
// code"): it sends a raw KVPaxos.PutAppend with the handout's PutAppendArgs
// fields, expects the handout's ErrBadOp, and calls the skeleton's
// Clerk.PutAppend with a bad op; -tags distlabs_ported leaves it out.

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestBadOpB: a PutAppend whose Op is neither "Put" nor "Append" is bad
// client input. The server must answer it with ErrBadOp (not a retryable
// error such as ErrUnavailable, which makes a Clerk retry forever) and
// change nothing; a Clerk given such an op must return instead of retrying.
func TestBadOpB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 3
		cfg := makeConfig(t, n, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): a bad op gets ErrBadOp")
		ck := cfg.makeClerk()
		cfg.Put(ck, 0, "k", "v")

		end := cfg.net.MakeEnd("raw-badop")
		cfg.net.Connect("raw-badop", 0)
		cfg.net.Enable("raw-badop", true)
		args := PutAppendArgs{Key: "k", Value: "x", Op: "Frob"}
		var reply PutAppendReply
		if !end.Call("KVPaxos.PutAppend", &args, &reply) {
			t.Fatalf("PutAppend with op %q: the RPC failed on a reliable network", args.Op)
		}
		if reply.Err != ErrBadOp {
			t.Fatalf("PutAppend with op %q answered %q, want %q", args.Op, reply.Err, ErrBadOp)
		}

		// A Clerk that retries for good cannot be stopped; the harness
		// goroutine it runs in is abandoned with the bubble.
		done := make(chan struct{})
		bad := cfg.makeClerk()
		t.Background(func() {
			defer close(done)
			bad.PutAppend("k", "y", "Frob")
		})
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Clerk.PutAppend with op %q still retrying after 10 s; a bad op must not be retried", "Frob")
		}
		cfg.check(ck, 0, "k", "v")
		cfg.end()
	})
}
