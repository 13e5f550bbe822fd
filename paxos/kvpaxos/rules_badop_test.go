//go:build !distlabs_ported

package kvpaxos

// A handout test (see the top-level README, "Porting existing student
// code"): it sends a raw KVPaxos.PutAppend with the handout's PutAppendArgs
// fields, expects the handout's ErrBadOp, and calls the skeleton's
// Clerk.PutAppend with a bad op; -tags distlabs_ported leaves it out.

import (
	"testing"

	"distlabs/test/kvtest"
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
		bad := cfg.makeClerk()
		kvtest.CheckBadOp(t, ErrBadOp, func(op string) (Err, bool) {
			args := PutAppendArgs{Key: "k", Value: "x", Op: op}
			var reply PutAppendReply
			ok := end.Call("KVPaxos.PutAppend", &args, &reply)
			return reply.Err, ok
		}, func(op string) { bad.PutAppend("k", "y", op) })
		cfg.h.Expect(ck, 0, "k", "v")
		cfg.end()
	})
}
