package pbkv

// Targeted tests for the classic primary/backup bugs; each cites the clause
// of the spec (../shared/specs/primary-backup.md, "Key/value service") it
// checks. They use only the public API.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Spec: "at-most-once per client request even when replies are lost and
// requests are resent" — at the backup too. Forwards whose replies are lost
// are resent; a backup that applies one twice shows it once it is primary.
func TestBackupAppliesForwardOnceB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): the backup applies a resent forward once")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "")
		cfg.net.Reliable(false)
		want := ""
		for i := range 60 {
			cfg.Append(ck, 0, "k", appendValue(0, i))
			want += appendValue(0, i)
		}
		cfg.net.Reliable(true)
		cfg.crash(cfg.view().Primary)
		cfg.check(ck, 0, "k", want)
		cfg.end()
	})
}

// Spec: "It forwards every operation to the backup and answers only after
// the backup has applied it." With the primary cut off from its backup (but
// not from the view service, so the view stays), a Put must not complete;
// once the primary dies, the backup must hold every write that did.
func TestAnswerAfterBackupAppliedB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): the primary answers only after the backup applied")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "1")
		cfg.setCut("s1", "s2", true)
		finished := async(func() { cfg.Put(ck, 0, "k", "2") })
		select {
		case <-finished:
			t.Fatalf("a Put completed while the primary could not reach its backup")
		case <-time.After(2 * deadTime):
		}
		cfg.crash("s1")
		<-finished
		ck2 := cfg.makeClerk("c2")
		cfg.check(ck2, 1, "k", "2")
		cfg.end()
	})
}

// Spec: "A new backup gets the complete state (data and duplicate table)
// from the primary before the primary acknowledges the view that names it."
// Writers keep going while backups join and primaries die, over and over:
// a transfer that misses a write applied meanwhile, or an acknowledgement
// sent before the transfer, loses acknowledged writes.
func TestTransferDuringWritesB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): state transfer races with concurrent writes")
		cfg.start("s1")
		cfg.waitView("s1", "", deadTime)
		const nclients = 4
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := range nclients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ck := cfg.makeClerk(fmt.Sprintf("c%d", c))
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					cfg.Append(ck, c, fmt.Sprintf("k%d", c), appendValue(c, i))
					time.Sleep(time.Duration(1+c) * time.Millisecond)
				}
			}()
		}
		primary := "s1"
		for round := 2; round <= 6; round++ {
			backup := server(round)
			cfg.start(backup)
			cfg.waitView(primary, backup, 2*deadTime)
			cfg.settle()
			cfg.crash(primary)
			cfg.waitView(backup, "", 2*deadTime)
			primary = backup
		}
		close(stop)
		wg.Wait()
		cfg.end()
	})
}

// Spec: a backup "rejects forwards from a server that is not its primary",
// and a server "restarted" is dead for its old view. A primary that crashes
// and comes back at once must not serve its empty store as primary of the
// view it held.
func TestRestartedPrimaryDoesNotServeB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := makeConfig(t, 0, false)
		defer cfg.cleanup()
		cfg.begin("Test (B): a restarted primary does not serve an empty store")
		pair(cfg)
		ck := cfg.makeClerk("c1")
		cfg.Put(ck, 0, "k", "v")
		cfg.crash("s1")
		cfg.start("s1")
		cfg.check(ck, 0, "k", "v")
		cfg.settle()
		cfg.crash("s2")
		cfg.check(ck, 0, "k", "v")
		cfg.end()
	})
}
