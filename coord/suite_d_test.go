package coord

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Part D: snapshots. With maxraftstate set, a server compacts its log
// into a snapshot of the whole state machine; what the snapshot must
// hold is everything the log held: the tree, the sessions with their
// duplicate tables and event queues, the watches and the clock.

// maxraftstate of the part D tests: small, so that snapshots are many.
const snapshotLimit = 2000

// TestSnapshotSizeD checks that the Raft state stays bounded while
// operations and heartbeats keep coming, and that a snapshot was taken.
func TestSnapshotSizeD(t *testing.T) {
	cluster(t, 3, false, snapshotLimit, "Test (D): snapshots bound the log", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		for i := range 200 {
			p := fmt.Sprintf("/n%d", i%10)
			if _, err := ck.Set(p, []byte(fmt.Sprint(i)), AnyVersion); err == ErrNoNode {
				_, err = ck.Create(p, nil, 0)
				must(t, "Create "+p, err)
			} else {
				must(t, "Set "+p, err)
			}
		}
		time.Sleep(5 * time.Second) // ticks and heartbeats only
		if sz := cfg.logSize(); sz > 8*snapshotLimit {
			t.Fatalf("Raft state is %d bytes, more than 8 x maxraftstate (%d): the servers do not snapshot", sz, snapshotLimit)
		}
		if cfg.snapshotSize() == 0 {
			t.Fatalf("no server saved a snapshot")
		}
		// A bounded log proves nothing if the snapshot that replaced it
		// lost the state: restarted servers must serve the latest data.
		cfg.restartAll()
		mustData(t, ck, "/n9", "199")
	})
}

// TestSnapshotRestartD fills the log past several snapshots, crashes
// every server and restarts them from their snapshots: the tree, a
// session with its ephemeral node and its duplicate table, and a pending
// watch must all come back (a watch set before the crash fires after
// it).
func TestSnapshotRestartD(t *testing.T) {
	cluster(t, 3, false, snapshotLimit, "Test (D): state survives a restart from snapshots", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		w := cfg.session(cfg.g.All())
		_, err := ck.Create("/e", []byte("eph"), Ephemeral)
		must(t, "Create /e", err)
		_, err = ck.Create("/x", nil, 0)
		must(t, "Create /x", err)
		_, _, ch, err := w.GetW("/x")
		must(t, "GetW /x", err)
		for i := range 100 {
			_, err := ck.Set("/x", []byte(fmt.Sprint(i)), AnyVersion)
			must(t, "Set /x", err)
			if i == 0 {
				if ev := waitEvent(t, ch, 5*time.Second, "GetW /x"); ev.Type != EventNodeDataChanged {
					t.Fatalf("GetW /x fired %+v", ev)
				}
				_, _, ch, err = w.ExistsW("/later")
				must(t, "ExistsW /later", err)
			}
		}
		if cfg.snapshotSize() == 0 {
			t.Fatalf("no server saved a snapshot")
		}
		cfg.restartAll()
		st := mustData(t, ck, "/x", "99")
		if st.Version != 100 {
			t.Fatalf("version of /x after a restart = %d, want 100", st.Version)
		}
		est := mustData(t, w, "/e", "eph")
		if est.EphemeralOwner != ck.SessionID() {
			t.Fatalf("/e lost its owner in the restart: %+v", *est)
		}
		_, err = ck.Create("/later", nil, 0)
		must(t, "Create /later", err)
		if ev := waitEvent(t, ch, 5*time.Second, "a watch set before the restart"); ev.Type != EventNodeCreated {
			t.Fatalf("ExistsW /later fired %+v, want NodeCreated", ev)
		}
		ck.Close()
		mustChildren(t, w, "/", "later", "x")
	})
}

// TestSnapshotCatchUpD cuts one server off while the others snapshot
// past it, then brings it back with the others crashed one at a time: it
// can only catch up by installing a snapshot, and must then serve the
// same tree.
func TestSnapshotCatchUpD(t *testing.T) {
	cluster(t, 3, false, snapshotLimit, "Test (D): a lagging server installs a snapshot", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		lag := t.Rand.IntN(cfg.n)
		cfg.g.Disconnect(lag)
		for i := range 60 {
			_, err := ck.Create(fmt.Sprintf("/n%02d", i), []byte(fmt.Sprint(i)), 0)
			must(t, "Create", err)
		}
		cfg.g.Connect(lag)
		time.Sleep(2 * time.Second)
		// Only lag and one other remain: lag must have the whole tree.
		// The other is restarted first, from its own snapshot, so
		// whichever of the two leads serves a tree that came from a
		// snapshot, not from a log that was never trimmed.
		cfg.g.Crash((lag + 1) % cfg.n)
		cfg.g.Start((lag + 1) % cfg.n)
		cfg.g.ConnectAll()
		cfg.g.Crash((lag + 2) % cfg.n)
		kids, _, err := ck.Children("/")
		must(t, "Children /", err)
		if len(kids) != 60 {
			t.Fatalf("/ has %d children after the catch-up, want 60", len(kids))
		}
		mustData(t, ck, "/n59", "59")
	})
}
