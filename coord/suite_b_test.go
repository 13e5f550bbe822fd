package coord

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Part B: sessions, ephemeral and sequential nodes, watches, on a
// reliable network (ZooKeeper Programmer's Guide: "Ephemeral Nodes",
// "Sequence Nodes", "ZooKeeper Watches", "ZooKeeper Sessions").

// TestEphemeralB checks that an ephemeral node names its session, may
// not have children, and goes away when the session closes, while a
// persistent node stays.
func TestEphemeralB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): ephemeral nodes end with their session", func(t *labtest.T, cfg *config) {
		owner := cfg.session(cfg.g.All())
		other := cfg.session(cfg.g.All())
		_, err := owner.Create("/e", []byte("x"), Ephemeral)
		must(t, "Create ephemeral /e", err)
		_, err = owner.Create("/p", nil, 0)
		must(t, "Create /p", err)
		st := mustData(t, other, "/e", "x")
		if st.EphemeralOwner != owner.SessionID() || owner.SessionID() == other.SessionID() {
			t.Fatalf("EphemeralOwner = %d, want the owner's session %d (the other is %d)", st.EphemeralOwner, owner.SessionID(), other.SessionID())
		}
		_, err = owner.Create("/e/kid", nil, 0)
		mustErr(t, "Create under an ephemeral node", err, ErrNoChildren)
		owner.Close()
		_, err = owner.Create("/q", nil, 0)
		mustErr(t, "Create after Close", err, ErrClosed)
		mustChildren(t, other, "/", "p")
	})
}

// TestSequentialB checks that sequential nodes get a ten-digit counter,
// unique and increasing among the parent's children, also when several
// sessions create them at once.
func TestSequentialB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): sequential nodes", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		_, err := ck.Create("/q", nil, 0)
		must(t, "Create /q", err)
		p0, err := ck.Create("/q/n-", nil, Sequential)
		must(t, "Create sequential", err)
		p1, err := ck.Create("/q/n-", nil, Sequential|Ephemeral)
		must(t, "Create sequential ephemeral", err)
		if p0 != "/q/n-0000000000" || p1 != "/q/n-0000000001" {
			t.Fatalf("sequential paths %q, %q; want /q/n-0000000000, /q/n-0000000001", p0, p1)
		}
		const sessions, each = 4, 5
		paths := make(chan string, sessions*each)
		done := make(chan struct{})
		for range sessions {
			s := cfg.session(cfg.g.All())
			go func() {
				defer func() { done <- struct{}{} }()
				for range each {
					p, err := s.Create("/q/n-", nil, Sequential)
					if err != nil {
						t.Errorf("concurrent sequential Create: %v", err)
						return
					}
					paths <- p
				}
			}()
		}
		for range sessions {
			<-done
		}
		close(paths)
		seen := map[string]bool{p0: true, p1: true}
		for p := range paths {
			if seen[p] {
				t.Fatalf("sequential path %s handed out twice", p)
			}
			seen[p] = true
		}
		kids, _, err := ck.Children("/q")
		must(t, "Children /q", err)
		if len(kids) != 2+sessions*each {
			t.Fatalf("/q has %d children, want %d", len(kids), 2+sessions*each)
		}
		// The counter never goes back, also after a child is deleted
		// (ZooKeeper uses the parent's Cversion, which counts deletions).
		must(t, "Delete "+p0, ck.Delete(p0, AnyVersion))
		p, err := ck.Create("/q/n-", nil, Sequential)
		must(t, "Create sequential after a Delete", err)
		for _, k := range kids {
			if "/q/"+k >= p {
				t.Fatalf("sequential path %s after a Delete is not above the earlier %s", p, "/q/"+k)
			}
		}
	})
}

// TestWatchesB checks the three kinds of watch, that each fires once
// with the right event, and that GetW on a missing node sets none.
func TestWatchesB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): one-shot watches", func(t *labtest.T, cfg *config) {
		w := cfg.session(cfg.g.All())
		ck := cfg.session(cfg.g.All())
		const wait = 3 * time.Second

		ok, _, created, err := w.ExistsW("/x")
		must(t, "ExistsW /x", err)
		if ok {
			t.Fatalf("ExistsW on a missing node = true")
		}
		_, _, kids, err := w.ChildrenW("/")
		must(t, "ChildrenW /", err)
		_, err = ck.Create("/x", []byte("1"), 0)
		must(t, "Create /x", err)
		if ev := waitEvent(t, created, wait, "ExistsW /x"); ev.Type != EventNodeCreated || ev.Path != "/x" {
			t.Fatalf("ExistsW /x fired %+v, want NodeCreated /x", ev)
		}
		if ev := waitEvent(t, kids, wait, "ChildrenW /"); ev.Type != EventNodeChildrenChanged || ev.Path != "/" {
			t.Fatalf("ChildrenW / fired %+v, want NodeChildrenChanged /", ev)
		}

		_, _, changed, err := w.GetW("/x")
		must(t, "GetW /x", err)
		_, err = ck.Set("/x", []byte("2"), AnyVersion)
		must(t, "Set /x", err)
		if ev := waitEvent(t, changed, wait, "GetW /x"); ev.Type != EventNodeDataChanged || ev.Path != "/x" {
			t.Fatalf("GetW /x fired %+v, want NodeDataChanged /x", ev)
		}
		// One-shot: the fired watch is gone, a second change is not
		// delivered on it.
		_, err = ck.Set("/x", []byte("3"), AnyVersion)
		must(t, "Set /x again", err)
		noEvent(t, changed, wait, "GetW /x after it fired")

		_, _, deleted, err := w.GetW("/x")
		must(t, "GetW /x", err)
		_, _, kidsOfX, err := w.ChildrenW("/x")
		must(t, "ChildrenW /x", err)
		must(t, "Delete /x", ck.Delete("/x", AnyVersion))
		if ev := waitEvent(t, deleted, wait, "GetW /x"); ev.Type != EventNodeDeleted {
			t.Fatalf("GetW /x fired %+v on Delete, want NodeDeleted", ev)
		}
		if ev := waitEvent(t, kidsOfX, wait, "ChildrenW /x"); ev.Type != EventNodeDeleted {
			t.Fatalf("ChildrenW /x fired %+v on Delete, want NodeDeleted", ev)
		}

		_, _, _, err = w.GetW("/x")
		mustErr(t, "GetW on a missing node", err, ErrNoNode)
	})
}

// TestCloseEndsWatchesB checks that Close fires every pending watch once
// with EventNotWatching and ErrClosed (Conn.Close).
func TestCloseEndsWatchesB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): Close ends the watches", func(t *labtest.T, cfg *config) {
		w := cfg.session(cfg.g.All())
		_, _, ch, err := w.ExistsW("/never")
		must(t, "ExistsW", err)
		w.Close()
		ev := waitEvent(t, ch, time.Second, "ExistsW after Close")
		if ev.Type != EventNotWatching || ev.Err != ErrClosed {
			t.Fatalf("watch fired %+v on Close, want NotWatching with ErrClosed", ev)
		}
	})
}

// TestSessionExpiryB cuts a session off from every server: once its
// timeout has passed the service expires it (its ephemeral node goes, a
// watch of another session on that node fires), and when the session
// can reach the servers again its operations fail with
// ErrSessionExpired and its pending watches fire EventNotWatching.
func TestSessionExpiryB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): sessions expire", func(t *labtest.T, cfg *config) {
		const timeout = 2 * time.Second
		lost := cfg.sessionTimeout(cfg.g.All(), timeout)
		watcher := cfg.session(cfg.g.All())
		_, err := lost.Create("/lock", nil, Ephemeral)
		must(t, "Create ephemeral /lock", err)
		_, _, pending, err := lost.ExistsW("/other")
		must(t, "ExistsW /other", err)
		ok, _, gone, err := watcher.ExistsW("/lock")
		must(t, "ExistsW /lock", err)
		if !ok {
			t.Fatalf("ExistsW /lock = false after its Create")
		}

		// Alive while it heartbeats: three timeouts pass quietly.
		time.Sleep(3 * timeout)
		if ok, _, err := watcher.Exists("/lock"); err != nil || !ok {
			t.Fatalf("a heartbeating session lost its ephemeral node (exists %v, err %v)", ok, err)
		}

		cfg.link(lost).Cut()
		ev := waitEvent(t, gone, 2*timeout, "the watch on the expired session's ephemeral node")
		if ev.Type != EventNodeDeleted || ev.Path != "/lock" {
			t.Fatalf("watch on /lock fired %+v, want NodeDeleted", ev)
		}
		cfg.link(lost).Only(cfg.g.All()...)
		_, err = lost.Create("/after", nil, 0)
		mustErr(t, "an operation of an expired session", err, ErrSessionExpired)
		ev = waitEvent(t, pending, time.Second, "the expired session's own watch")
		if ev.Type != EventNotWatching || ev.Err != ErrSessionExpired {
			t.Fatalf("the expired session's watch fired %+v, want NotWatching with ErrSessionExpired", ev)
		}
		if ok, _, _ := watcher.Exists("/after"); ok {
			t.Fatalf("an expired session's Create took effect")
		}
	})
}
