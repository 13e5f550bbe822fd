//go:build !distlabs_ported

package shardkv

// A handout test (see the top-level README, "Porting existing student
// code"): it sends a raw ShardKV.PutAppend with the handout's
// PutAppendArgs fields, expects the handout's ErrBadOp, and calls the
// skeleton's Clerk.PutAppend, none of which a ported 6.824 solution need
// have; -tags distlabs_ported leaves it out.

import (
	"testing"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// TestBadOp4B: a PutAppend whose Op is neither "Put" nor "Append" is bad
// client input. A server must answer it with ErrBadOp (an error the Clerk
// does not retry) and change nothing; a Clerk given such an op must return
// instead of retrying forever.
func TestBadOp4B(t *testing.T) {
	run(t, setup{maxraftstate: -1}, "Test (4B): a bad op gets ErrBadOp", func(t *labtest.T, cfg *config, c *client) {
		cfg.join(0)
		c.Put("k", "v")

		end := cfg.link("raw", cfg.groups[0].ServerName(0))
		bad := cfg.makeClerk("bad")
		kvtest.CheckBadOp(t, ErrBadOp, func(op string) (Err, bool) {
			args := PutAppendArgs{Key: "k", Value: "x", Op: op}
			var reply PutAppendReply
			ok := end.Call("ShardKV.PutAppend", &args, &reply)
			return reply.Err, ok
		}, func(op string) { bad.PutAppend("k", "y", op) })
		c.check("k", "v")
	})
}
