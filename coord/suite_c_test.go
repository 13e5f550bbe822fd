package coord

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Part C: failures. Servers crash and restart, the leader is cut off in
// a minority, the network drops and delays messages; operations stay
// linearizable, sessions live as long as they heartbeat, and watches
// fire across a change of leader (ZooKeeper Programmer's Guide,
// "ZooKeeper Sessions": a session survives a server failure; "ZooKeeper
// Watches": watches are maintained across servers).

// faultLoop crashes, restarts and partitions servers at random until
// done is closed, keeping a majority able to make progress most of the
// time, then heals the cluster.
func faultLoop(t *labtest.T, cfg *config, done <-chan struct{}) {
	for {
		select {
		case <-done:
			cfg.startDown()
			cfg.g.ConnectAll()
			return
		case <-time.After(time.Duration(500+t.Rand.IntN(1000)) * time.Millisecond):
		}
		switch t.Rand.IntN(3) {
		case 0: // crash one server, restart the others
			cfg.startDown()
			cfg.g.ConnectAll()
			cfg.g.Crash(t.Rand.IntN(cfg.n))
		case 1: // the leader (if any) in a minority
			cfg.startDown()
			l, ok := cfg.leader()
			if !ok {
				l = t.Rand.IntN(cfg.n)
			}
			minority := []int{l}
			var majority []int
			for _, i := range cfg.g.All() {
				if i == l {
					continue
				}
				if len(majority) < cfg.n/2+1 {
					majority = append(majority, i)
				} else {
					minority = append(minority, i)
				}
			}
			cfg.g.Partition(majority, minority)
		default: // heal
			cfg.startDown()
			cfg.g.ConnectAll()
		}
	}
}

// TestUnreliableC is TestConcurrentA on a network that drops, delays and
// reorders messages: retries must apply each operation once.
func TestUnreliableC(t *testing.T) {
	concurrentTest(t, "Test (C): unreliable network, linearizable", true, false)
}

// TestFaultsA is TestConcurrentA while servers crash, restart and the
// leader is partitioned away.
func TestFaultsA(t *testing.T) {
	concurrentTest(t, "Test (A): crashes and partitions, linearizable", false, true)
}

// TestWatchSurvivesLeaderFailureB sets watches, crashes the leader, and
// changes the nodes through the new one: the watches were part of the
// replicated state, so they fire.
func TestWatchSurvivesLeaderFailureB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): watches survive a leader failure", func(t *labtest.T, cfg *config) {
		w := cfg.session(cfg.g.All())
		ck := cfg.session(cfg.g.All())
		_, err := ck.Create("/x", nil, 0)
		must(t, "Create /x", err)
		_, _, ch, err := w.GetW("/x")
		must(t, "GetW /x", err)
		_, _, created, err := w.ExistsW("/y")
		must(t, "ExistsW /y", err)
		l, ok := cfg.leader()
		if !ok {
			t.Fatalf("no leader after committed operations")
		}
		cfg.g.Crash(l)
		_, err = ck.Set("/x", []byte("new"), AnyVersion)
		must(t, "Set /x after the leader crashed", err)
		_, err = ck.Create("/y", nil, 0)
		must(t, "Create /y after the leader crashed", err)
		if ev := waitEvent(t, ch, 5*time.Second, "GetW /x across a leader failure"); ev.Type != EventNodeDataChanged {
			t.Fatalf("GetW /x fired %+v, want NodeDataChanged", ev)
		}
		if ev := waitEvent(t, created, 5*time.Second, "ExistsW /y across a leader failure"); ev.Type != EventNodeCreated {
			t.Fatalf("ExistsW /y fired %+v, want NodeCreated", ev)
		}
	})
}

// TestSessionSurvivesFailuresB crashes and partitions leaders for a
// while: a session that can reach a majority keeps its ephemeral node
// (elections must not expire it), and a session cut off from the
// majority for longer than its timeout loses its own.
func TestSessionSurvivesFailuresB(t *testing.T) {
	cluster(t, 5, false, -1, "Test (B): sessions survive leader failures", func(t *labtest.T, cfg *config) {
		const timeout = 3 * time.Second
		live := cfg.sessionTimeout(cfg.g.All(), timeout)
		_, err := live.Create("/live", nil, Ephemeral)
		must(t, "Create /live", err)
		for range 4 {
			l, ok := cfg.leader()
			if !ok {
				l = t.Rand.IntN(cfg.n)
			}
			cfg.g.Crash(l)
			time.Sleep(timeout)
			cfg.g.Start(l)
			cfg.g.ConnectAll()
		}
		time.Sleep(timeout)
		if ok, _, err := live.Exists("/live"); err != nil || !ok {
			t.Fatalf("a session that always reached a majority lost its ephemeral node (exists %v, err %v)", ok, err)
		}

		// Cut off in the minority with the old leader: it expires.
		l, ok := cfg.leader()
		if !ok {
			l = 0
		}
		var majority, minority []int
		for _, i := range cfg.g.All() {
			if i != l && len(majority) < 3 {
				majority = append(majority, i)
			} else {
				minority = append(minority, i)
			}
		}
		cut := cfg.sessionTimeout(cfg.g.All(), timeout)
		_, err = cut.Create("/cut", nil, Ephemeral)
		must(t, "Create /cut", err)
		cfg.link(cut).Only(minority...)
		cfg.g.Partition(majority, minority)
		time.Sleep(3 * timeout)
		cfg.g.ConnectAll()
		if ok, _, err := live.Exists("/cut"); err != nil || ok {
			t.Fatalf("a session cut off from the majority kept its ephemeral node (exists %v, err %v)", ok, err)
		}
		if ok, _, err := live.Exists("/live"); err != nil || !ok {
			t.Fatalf("/live lost after the partition healed (exists %v, err %v)", ok, err)
		}
	})
}

// TestRestartAllA crashes every server and restarts them: the tree, the
// sessions and their ephemeral nodes come back from the persisted logs.
func TestRestartAllA(t *testing.T) {
	cluster(t, 3, false, -1, "Test (A): the tree survives a full restart", func(t *labtest.T, cfg *config) {
		ck := cfg.session(cfg.g.All())
		_, err := ck.Create("/a", []byte("1"), 0)
		must(t, "Create /a", err)
		_, err = ck.Create("/a/e", nil, Ephemeral)
		must(t, "Create /a/e", err)
		_, err = ck.Set("/a", []byte("2"), 0)
		must(t, "Set /a", err)
		cfg.restartAll()
		st := mustData(t, ck, "/a", "2")
		if st.Version != 1 {
			t.Fatalf("version of /a after a restart = %d, want 1", st.Version)
		}
		mustChildren(t, ck, "/a", "e")
	})
}

// TestUnreliableWatchesC sets watches and fires them on a network that
// drops, delays and reorders messages: a Poll reply that is lost must not
// lose the events it carried (the queue keeps them until the Clerk
// acknowledges them), and a retried Poll must not deliver one twice.
func TestUnreliableWatchesC(t *testing.T) {
	cluster(t, 3, true, -1, "Test (C): watches on an unreliable network", func(t *labtest.T, cfg *config) {
		w := cfg.session(cfg.g.All())
		ck := cfg.session(cfg.g.All())
		_, err := ck.Create("/x", nil, 0)
		must(t, "Create /x", err)
		const rounds = 30
		fired := make([]<-chan Event, 0, rounds)
		for i := range rounds {
			_, _, ch, err := w.GetW("/x")
			must(t, "GetW /x", err)
			_, err = ck.Set("/x", []byte(fmt.Sprint(i)), AnyVersion)
			must(t, "Set /x", err)
			if ev := waitEvent(t, ch, 10*time.Second, fmt.Sprintf("GetW /x, round %d", i)); ev.Type != EventNodeDataChanged {
				t.Fatalf("round %d: GetW /x fired %+v, want NodeDataChanged", i, ev)
			}
			fired = append(fired, ch)
		}
		// Exactly once: after a few more polls, no fired watch has a
		// second event.
		time.Sleep(2 * time.Second)
		for i, ch := range fired {
			select {
			case ev := <-ch:
				t.Fatalf("round %d: the watch fired twice (second event %+v)", i, ev)
			default:
			}
		}
	})
}
