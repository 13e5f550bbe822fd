package pbkv

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// A Clerk whose view service name is empty or names no server retries
// forever (documented on Clerk) without panicking, and shutdown ends it.
func TestClerkBadConfigB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): a Clerk without a view service keeps retrying")
		pair(cfg)
		for _, ck := range []*Clerk{
			MakeClerk("", cfg.makeEnd("c1")),
			MakeClerk("nowhere", cfg.makeEnd("c2")),
			MakeClerk(vshost, func(string) *labrpc.ClientEnd { return nil }),
		} {
			finished := cfg.blocks(2*time.Second, func() { ck.Put("k", "v") }, "a Put without a reachable view service returned")
			ck.shutdown()
			<-finished
		}
		ck := cfg.makeClerk("c3")
		cfg.check(ck, 0, "k", "")
		cfg.end()
	})
}

// Spec: "Kill stops every goroutine". After Kill of every server (and of the
// view service), no goroutine of this package or of viewservice is left,
// whatever the harness's leak policy.
func TestKillStopsGoroutinesB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup() // again, harmless, if the test fails early
		cfg.begin("Test (B): Kill stops every server goroutine")
		pair(cfg)
		cfg.start("s3")
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "v")
		cfg.setCut("s1", "s2", true)
		stuck := async(func() { cfg.Put(ck, 0, "k", "w") }) // waiting in s1 when it dies
		time.Sleep(time.Second)
		cfg.cleanup()
		<-stuck
		time.Sleep(time.Second)
		for _, pkg := range []string{"distlabs/pbkv.", "distlabs/viewservice."} {
			if stacks := liveStacks(pkg); stacks != "" {
				t.Fatalf("goroutines still run after Kill:\n%s", stacks)
			}
		}
		cfg.skipPorcupine = "the cluster was shut down under a pending write"
		cfg.end()
	})
}

// liveStacks returns the stacks of goroutines other than the caller's that
// run code whose symbol starts with prefix (e.g. "distlabs/pbkv.").
func liveStacks(prefix string) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i > 0 && strings.Contains(g, prefix) && !strings.Contains(g, "_test.go") {
			found = append(found, g)
		}
	}
	return strings.Join(found, "\n\n")
}
