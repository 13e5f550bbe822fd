package pbkv

// The part-B scenarios of the 2015 suite, in our own words. Every test
// records its clients' operations and checks them with porcupine at the
// end (cfg.end).

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
	"distlabs/viewservice"
)

// pair starts s1 as primary and s2 as its synced backup.
func pair(cfg *config) viewservice.View {
	cfg.t.Helper()
	cfg.start("s1")
	cfg.waitView("s1", "", deadTime)
	cfg.start("s2")
	return cfg.waitSettled("s1", "s2", 2*deadTime)
}

// A single primary serves; a backup joins and takes over when the primary
// fails, with every write intact.
func TestBasicFailB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): single primary, then a backup, then primary failure")
		cfg.start("s1")
		cfg.waitView("s1", "", deadTime)
		cfg.settle()
		ck := cfg.makeClerk("c1")
		cfg.check(ck, 0, "a", "")
		cfg.Put(ck, 0, "a", "aa")
		cfg.check(ck, 0, "a", "aa")
		cfg.Append(ck, 0, "a", "+1")
		cfg.check(ck, 0, "a", "aa+1")

		cfg.start("s2")
		cfg.waitSettled("s1", "s2", 2*deadTime)
		cfg.Put(ck, 0, "b", "bb")
		cfg.Append(ck, 0, "a", "+2")
		cfg.check(ck, 0, "b", "bb")

		cfg.crash("s1")
		cfg.waitView("s2", "", deadTime)
		cfg.check(ck, 0, "a", "aa+1+2")
		cfg.check(ck, 0, "b", "bb")
		cfg.Put(ck, 0, "c", "cc")
		cfg.check(ck, 0, "c", "cc")
		cfg.end()
	})
}

// A Clerk remembers the primary: a run of requests to a stable pair costs
// the view service no more than the servers' own pings and a few lookups.
func TestViewServiceRPCCountB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): clerks do not ask the view service on every request")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "")
		before, start := cfg.vsnet.GetCount(vshost), time.Now()
		const n = 100
		cfg.appendMany(ck, 0, "k", n)
		pings := 2 * int(time.Since(start)/viewservice.PingInterval+2)
		if got := cfg.vsnet.GetCount(vshost) - before; got > pings+10 {
			t.Fatalf("%d requests cost %d RPCs to the view service; the two servers' pings account for about %d", n, got, pings)
		}
		cfg.end()
	})
}

// When the last server holding the data dies, a new server must not take
// over (it has nothing to serve) and requests wait instead of answering.
func TestLastServerDiesB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): kill last server, new one should not be active")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "v")
		cfg.crash("s1")
		cfg.waitSettled("s2", "", 2*deadTime)
		cfg.crash("s2")
		cfg.start("s3")
		time.Sleep(2 * deadTime)
		if v := cfg.view(); v.Primary == "s3" {
			t.Fatalf("a server without data became primary: %+v", v)
		}
		ck2 := cfg.makeClerk("c2")
		finished := cfg.blocks(2*deadTime, func() { cfg.Get(ck2, 1, "k") }, "a Get completed although no server holds the data")
		ck2.shutdown()
		<-finished
		cfg.end()
	})
}

// Resent requests on a lossy network apply at most once.
func TestAtMostOnceUnreliableB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): at-most-once Append; unreliable")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "")
		cfg.setReliable(false)
		cfg.check(ck, 0, "k", cfg.appendMany(ck, 0, "k", 100))
		cfg.end()
	})
}

// A Put sent right after the backup fails completes once the view service
// drops the backup, and survives later failures.
func TestPutAfterBackupFailureB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): Put() immediately after backup failure")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "1")
		cfg.crash("s2")
		cfg.Put(ck, 0, "k", "2")
		cfg.check(ck, 0, "k", "2")
		cfg.start("s3")
		cfg.waitSettled("s1", "s3", 2*deadTime)
		cfg.crash("s1")
		cfg.check(ck, 0, "k", "2")
		cfg.end()
	})
}

// A Put sent right after the primary fails completes at the promoted backup.
func TestPutAfterPrimaryFailureB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): Put() immediately after primary failure")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "1")
		cfg.crash("s1")
		cfg.Put(ck, 0, "k", "2")
		cfg.check(ck, 0, "k", "2")
		if v := cfg.view(); v.Primary != "s2" {
			t.Fatalf("s2 should be primary, view %+v", v)
		}
		cfg.end()
	})
}

// concurrentOneKey has nclients write one key concurrently (Puts, or
// Appends), then checks that primary and backup agree: the value read
// before and after the primary is killed must be the same.
func concurrentOneKey(t *labtest.T, desc string, unreliable, appends bool) {
	cfg := makeConfig(t, 0, false)
	defer cfg.cleanup()
	cfg.begin(desc)
	pair(cfg)
	cfg.start("s3")
	cfg.setReliable(!unreliable)
	const nclients, perClient = 3, 20
	var wg sync.WaitGroup
	for c := range nclients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ck := cfg.makeClerk(fmt.Sprintf("c%d", c))
			for i := range perClient {
				if appends {
					cfg.Append(ck, c, "k", appendValue(c, i))
				} else {
					cfg.Put(ck, c, "k", appendValue(c, i))
				}
			}
		}()
	}
	wg.Wait()
	cfg.setReliable(true)
	ck := cfg.makeClerk("reader")
	before := cfg.Get(ck, nclients, "k")
	cfg.crash(cfg.view().Primary)
	if after := cfg.Get(ck, nclients, "k"); after != before {
		t.Fatalf("primary and backup disagree: the primary had %q, the backup %q", abbrev(before), abbrev(after))
	}
	if appends {
		if err := cfg.checkAppends("k", before); err != nil {
			t.Fatal(err)
		}
		cfg.skipPorcupine = "concurrent Appends to one key: checked by checkAppends"
	}
	cfg.end()
}

func TestConcurrentSameKeyB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		concurrentOneKey(t, "Test (B): concurrent Put()s to the same key", false, false)
	})
}

func TestConcurrentSameKeyUnreliableB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		concurrentOneKey(t, "Test (B): concurrent Put()s to the same key; unreliable", true, false)
	})
}

func TestConcurrentSameKeyAppendB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		concurrentOneKey(t, "Test (B): concurrent Append()s to the same key", false, true)
	})
}

func TestConcurrentSameKeyAppendUnreliableB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		concurrentOneKey(t, "Test (B): concurrent Append()s to the same key; unreliable", true, true)
	})
}

// clientPause is the pause between a busy client's operations.
const clientPause = 20 * time.Millisecond

// waitStable waits until the view has a primary and a backup and has not
// changed for settleTime, so its backup holds the state.
func (cfg *config) waitStable(limit time.Duration) viewservice.View {
	cfg.t.Helper()
	deadline := time.Now().Add(limit)
	var last viewservice.View
	since := time.Now()
	for {
		v := cfg.view()
		if v != last {
			last, since = v, time.Now()
		}
		if v.Primary != "" && v.Backup != "" && time.Since(since) >= cfg.settleTime() {
			return v
		}
		if time.Now().After(deadline) {
			cfg.t.Fatalf("no stable view with primary and backup within %v; last %+v", limit, v)
		}
		time.Sleep(viewservice.PingInterval)
	}
}

// repeatedCrash runs clients against three servers while one server after
// another crashes and restarts.
func repeatedCrash(t *labtest.T, desc string, unreliable bool) {
	cfg := makeConfig(t, 0, unreliable)
	defer cfg.cleanup()
	cfg.begin(desc)
	pair(cfg)
	cfg.start("s3")
	stop := cfg.writers(3, func(ck *Clerk, c, i int) {
		cfg.Append(ck, c, fmt.Sprintf("own%d", c), appendValue(c, i))
		cfg.Put(ck, c, "shared", appendValue(c, i))
		cfg.Get(ck, c, "shared")
		// Without a pause, on a reliable network that takes no virtual
		// time, the clients would keep the clock still.
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
	cfg.end()
}

func TestRepeatedCrashB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		repeatedCrash(t, "Test (B): repeated failures/restarts", false)
	})
}

func TestRepeatedCrashUnreliableB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		repeatedCrash(t, "Test (B): repeated failures/restarts; unreliable", true)
	})
}

// partitionedPrimary makes s1 (primary) unreachable for the view service,
// which promotes s2; s1 can still reach s2 iff reachBackup. A client that
// can reach only s1 asks it for a key that has since been overwritten: s1
// must not answer (spec: "A partitioned old primary must not answer a
// Get"). Once the client reaches the others, it gets the new value.
func partitionedPrimary(t *labtest.T, desc string, reachBackup bool) {
	cfg := makeConfig(t, 0, false)
	defer cfg.cleanup()
	cfg.begin(desc)
	pair(cfg)
	cfg.start("s3")
	cfg.waitView("s1", "s2", deadTime)
	old := cfg.makeClerk("c1")
	cfg.Put(old, 0, "k", "old") // c1 now knows s1 as primary

	cfg.isolate("s1", vshost, "s3")
	if !reachBackup {
		cfg.isolate("s1", "s2")
	}
	cfg.isolate("c1", vshost, "s2", "s3")
	cfg.waitView("s2", "s3", 2*deadTime)
	ck := cfg.makeClerk("c2")
	cfg.Put(ck, 1, "k", "new")

	var got string
	finished := cfg.blocks(2*deadTime, func() { got = cfg.Get(old, 0, "k") }, "the partitioned old primary answered a Get")
	cfg.heal()
	<-finished
	if got != "new" {
		t.Fatalf("Get after the partition healed = %q, want %q", got, "new")
	}
	cfg.end()
}

func TestPartitionedPrimaryB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		partitionedPrimary(t, "Test (B): old primary cut off from everyone does not serve Gets", false)
	})
}

func TestPartitionedPrimaryReachesBackupB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		partitionedPrimary(t, "Test (B): old primary that still reaches its old backup does not serve Gets", true)
	})
}
