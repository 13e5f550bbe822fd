package shardkv

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// Targeted rules of shard migration, each built as a deterministic
// schedule of crashes and partitions (no knowledge of the implementation's
// messages or state: only the 6.824 API and the harness's faults).

// moveSetup is the common start of the rules below: groups 0 and 1 join,
// then group 0 (the old owner) crashes and one of its shards, s, is moved
// to group 1 (the new owner), which thus waits for data it cannot fetch.
// Meanwhile a big Put to a shard group 1 already serves makes every server
// of group 1 take a snapshot (maxraftstate is bigPut bytes) whose state
// has s still waiting for its data; what follows (the install, small
// writes) stays below the snapshot threshold, so a restarted server of
// group 1 starts from that state and must learn the rest from its log.
type moveSetup struct {
	s     int      // the moved shard
	sKeys []string // keys of shard s
	sVals []string // what they hold
}

// bigPut is the size of the value that makes group 1 snapshot, and the
// maxraftstate of the rules that use moveSetup.
const bigPut = 20000

// startMove runs the schedule of moveSetup and returns with group 0 down,
// the configuration moving s to group 1 applied and snapshotted there.
func startMove(t *labtest.T, cfg *config, c *client) moveSetup {
	cfg.join(0)
	cfg.join(1)
	time.Sleep(settle)
	conf := cfg.mck.Query(-1)
	s, g := -1, -1
	for sh, gid := range conf.Shards {
		switch {
		case gid == cfg.groups[0].gid && s < 0:
			s = sh
		case gid == cfg.groups[1].gid && g < 0:
			g = sh
		}
	}
	if s < 0 || g < 0 {
		t.Fatalf("after groups %d and %d joined, the controller's config %+v does not give each a shard", cfg.groups[0].gid, cfg.groups[1].gid, conf)
	}
	m := moveSetup{s: s}
	for i := range 2 {
		k := fmt.Sprintf("%s-moved-%d", keyIn(s), i)
		m.sKeys = append(m.sKeys, k)
		m.sVals = append(m.sVals, fmt.Sprintf("v%d", i))
		c.Put(k, m.sVals[i])
	}
	c.check(m.sKeys[0], m.sVals[0])

	cfg.ShutdownGroup(0)
	cfg.mck.Move(s, cfg.groups[1].gid)
	time.Sleep(time.Second) // group 1 applies the move, cannot fetch s

	big := keyIn(g) + "-big"
	c.Put(big, strings.Repeat("b", bigPut))
	if cfg.stopped() {
		t.FailNow()
	}
	time.Sleep(500 * time.Millisecond) // every replica applies it and snapshots
	return m
}

// keyIn returns a one-letter key prefix in shard s.
func keyIn(s int) string {
	for b := byte('a'); ; b++ {
		if key2shard(string(b)) == s {
			return string(b)
		}
	}
}

// isLeader reports whether a group server's Raft peer says it leads.
func isLeader(kv *ShardKV) bool {
	_, leader := kv.rf.GetState()
	return leader
}

// waitLeader polls group gi every poll (virtual time) until a live server
// says it leads, for at most d.
func (cfg *config) waitLeader(gi int, poll, d time.Duration) (int, bool) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(poll) {
		if i, ok := cfg.groups[gi].Leader(isLeader); ok {
			return i, true
		}
	}
	return -1, false
}

// cutOut cuts server i of group gi off from everything beyond its group
// (the controller, other groups' servers) until it crashes; clients still
// reach it.
func (cfg *config) cutOut(gi, i int) {
	gg := cfg.groups[gi]
	gg.mu.Lock()
	out := gg.out[i]
	gg.mu.Unlock()
	out.cutAll()
}

// TestReinstallKeepsWrites4B: a shard is installed at most once per
// configuration (shardkv/README.md, Rules: the new owner "installs it
// through its log ... and serves it at once"; 6.824 lab 4B: shard data
// and configurations may be delivered more than once and must be applied
// once). Raft lets a leader that does not yet know what is committed (a
// new leader before an entry of its own term commits, Raft §5.4.2) see a
// shard as still missing although an install, and writes to the served
// shard, are already in its log; if it fetches the shard again, that
// second install commits after the writes and must be ignored, or the old
// copy erases them.
//
// Schedule: group 1 waits for shard s (its owner, group 0, is down) and
// snapshots in that state; its leader, alone (followers crashed), fetches s
// once group 0 is back, and is then cut off from group 0, so it can never
// tell group 0 to delete its copy. The followers return, the install
// commits, a client appends to s's keys. Group 1 crashes; two of its
// servers restart from the snapshot, and as soon as one leads they are cut
// apart, so nothing of its term commits for 3 s (a server in that state
// may fetch s again from group 0, which still holds its copy). Then they
// reconnect, the third returns, and s's keys must hold the appends.
func TestReinstallKeepsWrites4B(t *testing.T) {
	run(t, setup{maxraftstate: bigPut, restarts: true}, "Test (4B): a shard installed twice keeps the writes made in between", func(t *labtest.T, cfg *config, c *client) {
		m := startMove(t, cfg, c)

		x, ok := cfg.waitLeader(1, time.Millisecond, 10*time.Second)
		if !ok {
			t.Fatalf("group 1 has no leader")
		}
		var others []int
		for i := range nper {
			if i != x {
				others = append(others, i)
				cfg.ShutdownServer(1, i)
			}
		}
		cfg.StartGroup(0)
		time.Sleep(3 * time.Second) // group 0 is back; 1's leader fetches s, cannot commit
		cfg.cutOut(1, x)
		for _, i := range others {
			cfg.StartServer(1, i)
		}
		time.Sleep(time.Second) // the install commits

		for i, k := range m.sKeys {
			piece := fmt.Sprintf("+w%d", i)
			c.Append(k, piece)
			m.sVals[i] += piece
		}
		if cfg.stopped() {
			t.FailNow()
		}
		time.Sleep(500 * time.Millisecond)

		cfg.ShutdownGroup(1)
		for _, i := range others {
			cfg.StartServer(1, i)
		}
		// Cut the new leader off within a millisecond of its election:
		// nothing it proposes in this term can commit (a commit needs an
		// answer, which takes a round trip).
		if _, ok := cfg.waitLeader(1, 200*time.Microsecond, 10*time.Second); !ok {
			t.Fatalf("the two restarted servers of group 1 elect no leader")
		}
		cfg.groups[1].Partition()
		time.Sleep(3 * time.Second)
		cfg.healGroup(1)
		time.Sleep(2 * time.Second)
		cfg.StartServer(1, x)

		for i, k := range m.sKeys {
			c.check(k, m.sVals[i])
		}
	})
}

// TestRestartMidMoveFinishes4B: a group that restarts as a whole in the
// middle of a migration finishes it without any client request. After a
// restart a server's applied state is its snapshot; the entries after it
// are applied once the leader knows they are committed, and a new leader
// knows that only once an entry of its own term commits (Raft §5.4.2;
// §8: "each leader commit a blank no-op entry into the log at the start of
// its term"). Here the snapshot shows shard s as still being fetched,
// while the log holds its install and the old owner has long deleted its
// copy: a leader that waits for a client request, or keeps asking the old
// owner, never serves s.
//
// Schedule: group 1 snapshots while waiting for s (moveSetup); group 0
// comes back, s moves and group 0 deletes it; every server of group 1
// crashes and restarts; 5 s without client requests, then a Get of s's key
// must return the right value within 30 s.
func TestRestartMidMoveFinishes4B(t *testing.T) {
	run(t, setup{maxraftstate: bigPut, restarts: true}, "Test (4B): a group restarted mid-migration finishes the move", func(t *labtest.T, cfg *config, c *client) {
		m := startMove(t, cfg, c)

		cfg.StartGroup(0)
		time.Sleep(3 * time.Second) // s moves to group 1; group 0 deletes its copy
		cfg.ShutdownGroup(1)
		cfg.StartGroup(1)
		time.Sleep(5 * time.Second) // no client requests

		var v string
		if !kvtest.Returns(t, 30*time.Second, func() { v = c.Get(m.sKeys[0]) }) {
			t.Fatalf("Get(%q) (shard %d, moved to group %d before the whole group restarted) has not returned 35 s after the restart: a new leader must commit an entry of its own term to learn what its log holds (Raft §8), and finish the move",
				m.sKeys[0], m.s, cfg.groups[1].gid)
		}
		if cfg.stopped() {
			t.FailNow()
		}
		if v != m.sVals[0] {
			t.Fatalf("Get(%q) = %q after the restart, want %q", m.sKeys[0], kvtest.Abbrev(v), m.sVals[0])
		}
	})
}
