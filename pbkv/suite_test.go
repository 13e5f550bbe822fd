package pbkv

// The part-B scenarios of the 2015 suite, in our own words. Every test
// records its clients' operations and checks them with porcupine at the
// end (cfg.end).

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/viewservice"
)

// A single primary serves; a backup joins and takes over when the primary
// fails, with every write intact.
func TestBasicFailB(t *testing.T) {
	run(t, "Test (B): single primary, then a backup, then primary failure", func(t *labtest.T, cfg *config) {
		cfg.solo()
		ck := cfg.makeClerk("c1")
		cfg.h.Expect(ck, 0, "a", "")
		cfg.putGet(ck, 0, "a", "aa")
		cfg.h.Append(ck, 0, "a", "+1")
		cfg.h.Expect(ck, 0, "a", "aa+1")

		cfg.start("s2")
		cfg.waitSettled("s1", "s2", 2*deadTime)
		cfg.h.Put(ck, 0, "b", "bb")
		cfg.h.Append(ck, 0, "a", "+2")
		cfg.h.Expect(ck, 0, "b", "bb")

		cfg.crash("s1")
		cfg.waitView("s2", "", deadTime)
		cfg.h.Expect(ck, 0, "a", "aa+1+2")
		cfg.h.Expect(ck, 0, "b", "bb")
		cfg.putGet(ck, 0, "c", "cc")
	})
}

// A Clerk remembers the primary: a run of requests to a stable pair costs
// the view service no more than the servers' own pings and a few lookups.
func TestViewServiceRPCCountB(t *testing.T) {
	run(t, "Test (B): clerks do not ask the view service on every request", func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("")
		before, start := cfg.vsnet.GetCount(vshost), time.Now()
		const n = 100
		cfg.appendMany(ck, 0, "k", n)
		pings := 2 * int(time.Since(start)/viewservice.PingInterval+2)
		if got := cfg.vsnet.GetCount(vshost) - before; got > pings+10 {
			t.Fatalf("%d requests cost %d RPCs to the view service; the two servers' pings account for about %d", n, got, pings)
		}
	})
}

// When the last server holding the data dies, a new server must not take
// over (it has nothing to serve) and requests wait instead of answering.
func TestLastServerDiesB(t *testing.T) {
	run(t, "Test (B): kill last server, new one should not be active", func(t *labtest.T, cfg *config) {
		cfg.pairPut("v")
		cfg.crash("s1")
		cfg.waitSettled("s2", "", 2*deadTime)
		cfg.crash("s2")
		cfg.start("s3")
		time.Sleep(2 * deadTime)
		if v := cfg.view(); v.Primary == "s3" {
			t.Fatalf("a server without data became primary: %+v", v)
		}
		cfg.getBlocks(cfg.makeClerk("c2"), 1, "a Get completed although no server holds the data")
	})
}

// Resent requests on a lossy network apply at most once.
func TestAtMostOnceUnreliableB(t *testing.T) {
	run(t, "Test (B): at-most-once Append; unreliable", func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("")
		cfg.setReliable(false)
		cfg.h.Expect(ck, 0, "k", cfg.appendMany(ck, 0, "k", 100))
	})
}

// putAfterFailure crashes victim, primary or backup of a pair that has
// just taken a Put, and checks that a Put sent right away completes and
// reads back; then comes the test's own check.
func putAfterFailure(t *testing.T, desc, victim string, then func(t *labtest.T, cfg *config, ck *Clerk)) {
	run(t, desc, func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("1")
		cfg.crash(victim)
		cfg.putGet(ck, 0, "k", "2")
		then(t, cfg, ck)
	})
}

// A Put sent right after the backup fails completes once the view service
// drops the backup, and survives later failures.
func TestPutAfterBackupFailureB(t *testing.T) {
	putAfterFailure(t, "Test (B): Put() immediately after backup failure", "s2", func(t *labtest.T, cfg *config, ck *Clerk) {
		cfg.start("s3")
		cfg.waitSettled("s1", "s3", 2*deadTime)
		cfg.crash("s1")
		cfg.h.Expect(ck, 0, "k", "2")
	})
}

// A Put sent right after the primary fails completes at the promoted backup.
func TestPutAfterPrimaryFailureB(t *testing.T) {
	putAfterFailure(t, "Test (B): Put() immediately after primary failure", "s1", func(t *labtest.T, cfg *config, ck *Clerk) {
		if v := cfg.view(); v.Primary != "s2" {
			t.Fatalf("s2 should be primary, view %+v", v)
		}
	})
}

// concurrentOneKey has nclients write one key concurrently (Puts, or
// Appends), then checks that primary and backup agree: the value read
// before and after the primary is killed must be the same.
func concurrentOneKey(t *testing.T, desc string, unreliable, appends bool) {
	run(t, desc, func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.start("s3")
		cfg.setReliable(!unreliable)
		const nclients, perClient = 3, 20
		write := cfg.h.Put
		if appends {
			write = cfg.h.Append
		}
		var wg sync.WaitGroup
		for c := range nclients {
			ck := cfg.makeClerk(fmt.Sprintf("c%d", c))
			wg.Go(func() {
				for i := range perClient {
					write(ck, c, "k", kvtest.AppendValue(c, i))
				}
			})
		}
		wg.Wait()
		cfg.setReliable(true)
		ck := cfg.makeClerk("reader")
		before := cfg.h.Get(ck, nclients, "k")
		cfg.crash(cfg.view().Primary)
		if after := cfg.h.Get(ck, nclients, "k"); after != before {
			t.Fatalf("primary and backup disagree: the primary had %q, the backup %q", kvtest.Abbrev(before), kvtest.Abbrev(after))
		}
		if appends {
			if err := cfg.h.CheckAppends("k", before); err != nil {
				t.Fatal(err)
			}
			cfg.h.Skip("concurrent Appends to one key: checked by CheckAppends")
		}
	})
}

func TestConcurrentSameKeyB(t *testing.T) {
	concurrentOneKey(t, "Test (B): concurrent Put()s to the same key", false, false)
}

func TestConcurrentSameKeyUnreliableB(t *testing.T) {
	concurrentOneKey(t, "Test (B): concurrent Put()s to the same key; unreliable", true, false)
}

func TestConcurrentSameKeyAppendB(t *testing.T) {
	concurrentOneKey(t, "Test (B): concurrent Append()s to the same key", false, true)
}

func TestConcurrentSameKeyAppendUnreliableB(t *testing.T) {
	concurrentOneKey(t, "Test (B): concurrent Append()s to the same key; unreliable", true, true)
}

// repeatedCrash runs clients against three servers while one server after
// another crashes and restarts.
func repeatedCrash(t *testing.T, desc string, unreliable bool) {
	run(t, desc, func(t *labtest.T, cfg *config) {
		cfg.setReliable(!unreliable)
		cfg.pair()
		cfg.start("s3")
		stop := cfg.writers(3, func(ck *Clerk, c, i int) {
			cfg.h.Append(ck, c, fmt.Sprintf("own%d", c), kvtest.AppendValue(c, i))
			cfg.h.Put(ck, c, "shared", kvtest.AppendValue(c, i))
			cfg.h.Get(ck, c, "shared")
			time.Sleep(clientPause)
		})
		for range 5 {
			cfg.waitStable(10 * time.Second)
			victim := server(1 + t.Rand.IntN(3))
			cfg.crash(victim)
			time.Sleep(deadTime)
			cfg.start(victim)
		}
		cfg.waitStable(10 * time.Second)
		stop()
	})
}

func TestRepeatedCrashB(t *testing.T) {
	repeatedCrash(t, "Test (B): repeated failures/restarts", false)
}

func TestRepeatedCrashUnreliableB(t *testing.T) {
	repeatedCrash(t, "Test (B): repeated failures/restarts; unreliable", true)
}

// partitionedPrimary makes s1 (primary) unreachable for the view service,
// which promotes s2; s1 can still reach s2 iff reachBackup. A client that
// can reach only s1 asks it for a key that has since been overwritten: s1
// must not answer (spec: "A partitioned old primary must not answer a
// Get"). Once the client reaches the others, it gets the new value.
func partitionedPrimary(t *testing.T, desc string, reachBackup bool) {
	run(t, desc, func(t *labtest.T, cfg *config) {
		cfg.pair()
		cfg.start("s3")
		cfg.waitView("s1", "s2", deadTime)
		old := cfg.makeClerk("c1")
		cfg.h.Put(old, 0, "k", "old") // c1 now knows s1 as primary

		cfg.isolate("s1", vshost, "s3")
		if !reachBackup {
			cfg.isolate("s1", "s2")
		}
		cfg.isolate("c1", vshost, "s2", "s3")
		cfg.waitView("s2", "s3", 2*deadTime)
		cfg.h.Put(cfg.makeClerk("c2"), 1, "k", "new")

		var got string
		finished := cfg.blocks(2*deadTime, func() { got = cfg.h.Get(old, 0, "k") }, "the partitioned old primary answered a Get")
		cfg.heal()
		<-finished
		if got != "new" {
			t.Fatalf("Get after the partition healed = %q, want %q", got, "new")
		}
	})
}

func TestPartitionedPrimaryB(t *testing.T) {
	partitionedPrimary(t, "Test (B): old primary cut off from everyone does not serve Gets", false)
}

func TestPartitionedPrimaryReachesBackupB(t *testing.T) {
	partitionedPrimary(t, "Test (B): old primary that still reaches its old backup does not serve Gets", true)
}
