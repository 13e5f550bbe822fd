//go:build !distlabs_ported

package kvpaxos

// A handout test (see the top-level README, "Porting existing student
// code"): it sends a raw KVPaxos.PutAppend with the handout's PutAppendArgs
// fields, expects the handout's ErrBadOp, and calls the skeleton's
// Clerk.PutAppend with a bad op; -tags distlabs_ported leaves it out.

import (
	"testing"

	"distlabs/test/labtest"
)

// TestBadOpB: a PutAppend whose Op is neither "Put" nor "Append" is bad
// client input. The server must answer it with ErrBadOp (not a retryable
// error such as ErrUnavailable, which makes a Clerk retry forever) and
// change nothing; a Clerk given such an op must return instead of retrying.
func TestBadOpB(t *testing.T) {
	run(t, 3, false, "a bad op gets ErrBadOp", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		cfg.h.Put(ck, 0, "k", "v")

		name, end := cfg.net.NewEnd("raw-badop", cfg.g.ServerName(0))
		cfg.net.Enable(name, true)
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
		cfg.waitDone(done, 10*sec, `Clerk.PutAppend with op "Frob" still retrying after 10 s; a bad op must not be retried`)
		cfg.h.Expect(ck, 0, "k", "v")
		cfg.end()
	})
}
