package coord

import (
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestLaggingReplicaExpiresAlikeB checks that a replica decides session
// expiry from the log alone, not from its own clock (ZooKeeper
// Programmer's Guide, "ZooKeeper Sessions": expiry is the cluster's
// decision, and every server must agree on it). A follower is cut off
// while one session heartbeats and another expires; when it catches up,
// it applies those minutes-old entries at once, and then it is made the
// leader: the heartbeating session and its ephemeral node must still be
// there, and the expired one's node gone. Every server shares one clock
// in the suite, so only a replica that applies entries late can tell a
// logged time from its own.
func TestLaggingReplicaExpiresAlikeB(t *testing.T) {
	cluster(t, 3, false, -1, "Test (B): a replica that catches up expires the same sessions", func(t *labtest.T, cfg *config) {
		const timeout = 2 * time.Second
		live := cfg.sessionTimeout(cfg.g.All(), timeout)
		dead := cfg.sessionTimeout(cfg.g.All(), timeout)
		_, err := live.Create("/live", nil, Ephemeral)
		must(t, "Create /live", err)
		_, err = dead.Create("/dead", nil, Ephemeral)
		must(t, "Create /dead", err)
		// Every replica applies a few ticks of this term first: the first
		// tick of a term restarts every timer, which would hide the rest.
		time.Sleep(timeout / 2)
		l, ok := cfg.leader()
		if !ok {
			t.Fatalf("no leader after two Creates")
		}
		lag := (l + 1) % cfg.n
		t.Step("server " + cfg.g.ServerName(lag) + " is cut off; one session stops heartbeating")
		cfg.g.Disconnect(lag)
		cfg.link(dead).Cut()
		time.Sleep(5 * timeout)
		if ok, _, err := live.Exists("/dead"); err != nil || ok {
			t.Fatalf("a session silent for 5 timeouts kept its ephemeral node (exists %v, err %v)", ok, err)
		}
		cfg.g.Connect(lag)
		time.Sleep(timeout)

		// Make the lagging server the leader: cut off whichever other
		// server leads until it does.
		for try := 0; ; try++ {
			if l, ok := cfg.leader(); ok && l == lag {
				break
			} else if try == 20 {
				t.Fatalf("server %d did not become the leader in %d elections", lag, try)
			} else if ok {
				cfg.g.Disconnect(l)
				time.Sleep(timeout)
				cfg.g.Connect(l)
			}
			time.Sleep(timeout)
		}
		t.Step(cfg.g.ServerName(lag) + " leads")
		if ok, _, err := live.Exists("/live"); err != nil || !ok {
			t.Fatalf("under the caught-up leader, a heartbeating session lost its ephemeral node (exists %v, err %v)", ok, err)
		}
		other := cfg.session(cfg.g.All())
		if ok, _, err := other.Exists("/dead"); err != nil || ok {
			t.Fatalf("under the caught-up leader, an expired session's node is back (exists %v, err %v)", ok, err)
		}
		mustChildren(t, other, "/", "live")
	})
}
