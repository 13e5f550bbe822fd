package pbkv

import (
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// A Clerk whose view service name is empty or names no server retries
// forever (documented on Clerk) without panicking, and shutdown ends it.
func TestClerkBadConfigB(t *testing.T) {
	run(t, "Test (B): a Clerk without a view service keeps retrying", func(t *labtest.T, cfg *config) {
		cfg.pair()
		for _, ck := range []*Clerk{
			MakeClerk("", cfg.makeEnd("c1")),
			MakeClerk("nowhere", cfg.makeEnd("c2")),
			MakeClerk(vshost, func(string) *labrpc.ClientEnd { return nil }),
		} {
			finished := cfg.blocks(2*time.Second, func() { ck.Put("k", "v") }, "a Put without a reachable view service returned")
			ck.shutdown()
			<-finished
		}
		cfg.h.Expect(cfg.makeClerk("c3"), 0, "k", "")
	})
}

// Spec: "Kill stops every goroutine". After Kill of every server (and of the
// view service), no goroutine of this package or of viewservice is left,
// whatever the harness's leak policy.
func TestKillStopsGoroutinesB(t *testing.T) {
	run(t, "Test (B): Kill stops every server goroutine", func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.start("s3")
		ck := cfg.makeClerk("c1")
		cfg.h.Put(ck, 0, "k", "v")
		cfg.setCut("s1", "s2", true)
		stuck := kvtest.Async(func() { ck.Put("k", "w") }) // waiting in s1 when it dies
		time.Sleep(time.Second)
		cfg.cleanup() // and again, harmless, when the test ends
		<-stuck
		t.CheckStopped(time.Second, "after Kill of every server and of the view service", "distlabs/pbkv", "distlabs/viewservice")
		cfg.h.Skip("the cluster was shut down under a pending write")
	})
}
