package coord

import (
	"fmt"
	"sync"
	"testing"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// Part A: the tree on a reliable network. Every rule is ZooKeeper's, as
// the ZooKeeper Programmer's Guide states it ("ZooKeeper Data Model",
// "ZooKeeper Stat Structure") and coord.Conn's documentation restates it.

// TestBasicA checks create, get, set, delete, exists and children with
// their errors and versions on one session.
func TestBasicA(t *testing.T) {
	cluster(t, 3, false, -1, "Test (A): basic tree operations", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		p, err := ck.Create("/a", []byte("one"), 0)
		must(t, "Create /a", err)
		if p != "/a" {
			t.Fatalf("Create /a returned path %q", p)
		}
		_, err = ck.Create("/a", nil, 0)
		mustErr(t, "Create /a twice", err, ErrNodeExists)
		_, err = ck.Create("/no/b", nil, 0)
		mustErr(t, "Create under a missing parent", err, ErrNoNode)
		for _, bad := range []string{"", "a", "/a/", "//a", "/a/./b", "/a/../b"} {
			_, err = ck.Create(bad, nil, 0)
			mustErr(t, fmt.Sprintf("Create %q", bad), err, ErrInvalidPath)
		}
		st := mustData(t, ck, "/a", "one")
		if st.Version != 0 || st.DataLength != 3 || st.EphemeralOwner != 0 {
			t.Fatalf("Stat of a new node = %+v, want version 0, length 3, persistent", *st)
		}
		st2, err := ck.Set("/a", []byte("two"), 0)
		must(t, "Set /a version 0", err)
		if st2.Version != 1 || st2.Mzxid <= st.Mzxid || st2.Czxid != st.Czxid {
			t.Fatalf("Stat after a Set = %+v (before %+v), want version 1, a later Mzxid, the same Czxid", *st2, *st)
		}
		_, err = ck.Set("/a", []byte("three"), 0)
		mustErr(t, "Set /a with a stale version", err, ErrBadVersion)
		mustData(t, ck, "/a", "two")
		_, err = ck.Set("/a", []byte("four"), AnyVersion)
		must(t, "Set /a any version", err)
		mustData(t, ck, "/a", "four")

		for _, k := range []string{"c", "a", "b"} {
			_, err = ck.Create("/a/"+k, []byte(k), 0)
			must(t, "Create /a/"+k, err)
		}
		mustChildren(t, ck, "/a", "a", "b", "c")
		_, pst, err := ck.Children("/a")
		must(t, "Children /a", err)
		if pst.NumChildren != 3 || pst.Cversion != 3 {
			t.Fatalf("Stat of /a with 3 children = %+v, want NumChildren 3, Cversion 3", *pst)
		}
		mustErr(t, "Delete /a with children", ck.Delete("/a", AnyVersion), ErrNotEmpty)
		mustErr(t, "Delete /a/b at a wrong version", ck.Delete("/a/b", 5), ErrBadVersion)
		must(t, "Delete /a/b", ck.Delete("/a/b", 0))
		mustErr(t, "Delete /a/b twice", ck.Delete("/a/b", AnyVersion), ErrNoNode)
		mustChildren(t, ck, "/a", "a", "c")
		ok, _, err := ck.Exists("/a/b")
		must(t, "Exists /a/b", err)
		if ok {
			t.Fatalf("Exists /a/b after its Delete = true")
		}
		ok, est, err := ck.Exists("/a/c")
		must(t, "Exists /a/c", err)
		if !ok || est == nil {
			t.Fatalf("Exists /a/c = %v, %v; want true with a Stat", ok, est)
		}
		_, _, err = ck.Get("/a/b")
		mustErr(t, "Get a deleted node", err, ErrNoNode)
		_, err = ck.Set("/a/b", nil, AnyVersion)
		mustErr(t, "Set a deleted node", err, ErrNoNode)
		_, _, err = ck.Children("/a/b")
		mustErr(t, "Children of a deleted node", err, ErrNoNode)

		// A second session sees the first one's writes at once.
		ck2 := cfg.session(cfg.g.All())
		mustData(t, ck2, "/a", "four")
		mustChildren(t, ck2, "/", "a")
	})
}

// TestConcurrentA runs five sessions of random operations on a few
// paths and checks the history against the tree model (Conn: "each
// operation is linearizable").
func TestConcurrentA(t *testing.T) {
	concurrentTest(t, "Test (A): concurrent sessions, linearizable", false, false)
}

// concurrentTest runs five sessions of random operations, optionally on
// an unreliable network and with servers crashing, partitioned and
// restarted, and checks the history.
func concurrentTest(t *testing.T, title string, unreliable, faults bool) {
	cluster(t, 5, unreliable, -1, title, func(t *labtest.T, cfg *config) {
		setup := cfg.session(cfg.g.All())
		const clients, ops = 5, 25
		// Recorded: the model starts with the root only.
		must(t, "Create /w", cfg.h.do(setup, clients, mInput{Kind: OpCreate, Path: "/w"}).Err)
		var wg sync.WaitGroup
		for c := range clients {
			ck := cfg.session(cfg.g.All())
			wg.Add(1)
			r := kvtest.ClientRand(t.Seed, c)
			go func() {
				defer wg.Done()
				for range ops {
					cfg.h.do(ck, c, randomOp(r))
				}
			}()
		}
		if faults {
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			faultLoop(t, cfg, done)
		} else {
			wg.Wait()
		}
		if cfg.h.count() < clients*ops+1 {
			t.Fatalf("only %d of %d operations completed", cfg.h.count(), clients*ops+1)
		}
	})
}

// TestKillStopsGoroutinesA grades the rule "Kill stops every goroutine"
// for the service, once: after a few operations every server is killed
// and every session closed, and every goroutine StartServer and
// MakeClerk started must have returned. The operations must have gone
// through Raft (persisted state), so a service that starts no goroutines
// cannot pass by leaking none.
func TestKillStopsGoroutinesA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.StrictLeaks()
		cfg := makeConfig(t, 3, false, -1)
		defer cfg.cleanup()
		cfg.begin("Test (A): Kill stops every goroutine")
		ck := cfg.session(cfg.g.All())
		for i := range 5 {
			_, err := ck.Create(fmt.Sprintf("/n%d", i), nil, 0)
			must(t, "Create", err)
		}
		mustChildren(t, ck, "/", "n0", "n1", "n2", "n3", "n4")
		if cfg.logSize() == 0 {
			t.Fatalf("no server persisted any Raft state: the operations never went through Raft")
		}
		cfg.end()
	})
}
