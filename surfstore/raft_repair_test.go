package surfstore_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Stage 3 tests of log repair: a new leader brings divergent followers'
// logs in line with its own (Raft paper, Figure 7 and §5.3), and
// AppendEntries follows Figure 2's receiver rules.

// figure7 gives the terms of the logs of Figure 7 of the Raft paper: the
// leader of term 8 first, then followers (a) to (f).
var figure7 = [][]int64{
	{1, 1, 1, 4, 4, 5, 5, 6, 6, 6},
	{1, 1, 1, 4, 4, 5, 5, 6, 6},
	{1, 1, 1, 4},
	{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6},
	{1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7},
	{1, 1, 1, 4, 4, 4, 4},
	{1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3},
}

// figure7Log builds the log of one server of Figure 7: the entry at index
// k of term T is the leader's update of "f" to version k+1 if the leader's
// log has term T at k, and otherwise an update of a file named after T, so
// equal (index, term) pairs give equal entries on every server.
func figure7Log(terms []int64) []*surfstore.UpdateOperation {
	leader := figure7[0]
	var log []*surfstore.UpdateOperation
	for k, term := range terms {
		if k < len(leader) && leader[k] == term {
			log = append(log, op(term, "f", int32(k+1)))
		} else {
			log = append(log, op(term, fmt.Sprintf("t%d", term), int32(k+1)))
		}
	}
	return log
}

// TestRaftFigure7S3: seven servers get the logs of Figure 7 (installed
// with AppendEntries calls from the test), server 0 becomes leader of term
// 8 and appends its no-op at index 10; nothing is committed yet (entries of
// earlier terms never commit by themselves). One heartbeat repairs every
// follower: missing entries are added (a, b), conflicting ones replaced
// (e, f), and the extra entries of (c, d) are replaced by the no-op that
// conflicts with them at index 10 (Figure 2: truncate at a conflict). With
// the no-op on a majority the leader commits its whole log, the earlier
// terms' entries with it (§5.4.2). The leader's next update commits
// everywhere, and every file map is the replay of that log.
func TestRaftFigure7S3(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): Figure 7 log repair")
		c := makeRaftCluster(t, len(figure7))
		for i, terms := range figure7 {
			term := slices.Max(terms)
			if i == 0 {
				term = 7 // SetLeader makes it 8, as in the figure
			}
			out, err := c.raft[i].AppendEntries(c.ctx(), &surfstore.AppendEntryInput{
				Term: term, PrevLogIndex: -1, Entries: figure7Log(terms), LeaderCommit: -1,
			})
			require.NoError(t, err, "install the log of server %d", i)
			require.True(t, out.Success, "install the log of server %d", i)
			c.requireLog(i, figure7Log(terms))
		}
		require.NoError(t, c.elect(0))
		st := c.state(0)
		require.EqualValues(t, 8, st.Term)
		leaderLog := append(figure7Log(figure7[0]), noop(8))
		c.requireLog(0, leaderLog)
		require.EqualValues(t, -1, st.CommitIndex, "entries of earlier terms do not commit before one of the leader's term")
		requireMap(t, nil, st.MetaMap, "the new leader before its no-op commits")

		require.True(t, c.heartbeat(0).Flag, "one heartbeat repairs every follower")
		for i := range figure7 {
			c.requireLog(i, leaderLog)
		}
		st = c.state(0)
		require.EqualValues(t, 10, st.CommitIndex, "the no-op on a majority commits it and every entry before it")
		requireMap(t, replay(leaderLog, 10), st.MetaMap, "leader after its no-op committed")

		c.mustUpdate(0, "f", 11)
		c.heartbeat(0)
		want := append(leaderLog, op(8, "f", 11))
		c.requireLog(0, want)
		st = c.state(0)
		require.EqualValues(t, 11, st.CommitIndex)
		requireMap(t, replay(want, 11), st.MetaMap, "leader")
		c.requireSame(0, 1, 2, 3, 4, 5, 6)
		t.Passed(len(figure7), 0, 0, 1)
	})
}

// TestRaftNewLeaderRepairsS3: the leader crashes with an entry no other
// server has; a new leader (which has every committed entry) brings a
// follower that missed entries up to date, commits a new update, and on
// the old leader's restore replaces its uncommitted entry. The old
// leader's pending UpdateFile failed with "server is crashed".
func TestRaftNewLeaderRepairsS3(t *testing.T) {
	withLeader(t, "Test (S3): a new leader repairs the followers' logs", 3, func(t *labtest.T, c *raftCluster) {
		c.crash(2)
		c.mustUpdate(0, "a", 2) // committed with server 1
		c.crash(1)
		pending := c.pendingUpdate(0, "b", 1, time.Minute)
		time.Sleep(time.Second)
		c.crash(0)
		r := awaitOutcome(t, pending, "its leader crashed")
		requireUnavailable(t, r.err, "server is crashed", "the pending UpdateFile of a leader that crashed")
		c.requireLog(0, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "a", 2), op(1, "b", 1)})
		c.requireLog(2, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1)})

		c.restore(1)
		c.restore(2)
		c.setLeader(1)
		c.requireLog(2, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "a", 2), noop(2)})
		c.mustUpdate(1, "c", 1)
		c.restore(0)
		require.Equal(t, surfstore.ServerStatus_FOLLOWER, c.state(0).Status, "a leader that crashed is restored as a follower")
		c.heartbeat(1)
		c.requireConverged(1, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "a", 2), noop(2), op(2, "c", 1)}, 0, 2)
		c.requireNotLeader(0, "the restored old leader")
		t.Passed(3, 0, 0, 4)
	})
}

// TestAppendEntriesReceiverS3 calls AppendEntries on one server directly
// and checks Figure 2's receiver rules one by one.
func TestAppendEntriesReceiverS3(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): AppendEntries receiver rules")
		c := makeRaftCluster(t, 1)
		ae := func(in *surfstore.AppendEntryInput) *surfstore.AppendEntryOutput {
			t.Helper()
			out, err := c.raft[0].AppendEntries(c.ctx(), in)
			require.NoError(t, err)
			return out
		}
		// Entries 0..3 of terms 1 1 2 2, nothing committed.
		log := []*surfstore.UpdateOperation{op(1, "a", 1), op(1, "a", 2), op(2, "a", 3), op(2, "a", 4)}
		out := ae(&surfstore.AppendEntryInput{Term: 2, PrevLogIndex: -1, Entries: log, LeaderCommit: -1})
		require.True(t, out.Success)
		require.EqualValues(t, 3, out.MatchedIndex, "MatchedIndex is the last index appended")
		require.EqualValues(t, 2, out.Term)

		// 1. A stale term is refused and the reply carries the current one.
		out = ae(&surfstore.AppendEntryInput{Term: 1, PrevLogIndex: 3, PrevLogTerm: 2, Entries: []*surfstore.UpdateOperation{op(1, "z", 1)}, LeaderCommit: 3})
		require.False(t, out.Success, "AppendEntries of a stale term")
		require.EqualValues(t, 2, out.Term)
		c.requireLog(0, log)
		require.EqualValues(t, -1, c.state(0).CommitIndex, "a stale leader's commit index is ignored")

		// 2. No entry at PrevLogIndex, or one of another term: refused.
		out = ae(&surfstore.AppendEntryInput{Term: 2, PrevLogIndex: 5, PrevLogTerm: 2, LeaderCommit: -1})
		require.False(t, out.Success, "PrevLogIndex past the end of the log")
		out = ae(&surfstore.AppendEntryInput{Term: 2, PrevLogIndex: 2, PrevLogTerm: 1, LeaderCommit: -1})
		require.False(t, out.Success, "PrevLogTerm differs from the term at PrevLogIndex")
		c.requireLog(0, log)

		// 3. A matching prefix with a shorter message keeps the suffix.
		out = ae(&surfstore.AppendEntryInput{Term: 2, PrevLogIndex: 0, PrevLogTerm: 1, Entries: log[1:2], LeaderCommit: -1})
		require.True(t, out.Success)
		require.EqualValues(t, 1, out.MatchedIndex)
		c.requireLog(0, log)

		// 4. commitIndex = min(LeaderCommit, index of the last new entry).
		out = ae(&surfstore.AppendEntryInput{Term: 2, PrevLogIndex: 0, PrevLogTerm: 1, Entries: log[1:2], LeaderCommit: 3})
		require.True(t, out.Success)
		st := c.state(0)
		require.EqualValues(t, 1, st.CommitIndex, "commitIndex stops at the last entry this call vouched for")
		requireMap(t, replay(log, 1), st.MetaMap, "after committing index 1")

		// 5. A conflicting entry (same index, other term) drops it and all
		// that follow; the new entries are appended. They begin, as a new
		// leader's do, with its no-op, which commits without touching the
		// file map.
		repl := []*surfstore.UpdateOperation{noop(3), op(3, "b", 1)}
		out = ae(&surfstore.AppendEntryInput{Term: 3, PrevLogIndex: 1, PrevLogTerm: 1, Entries: repl, LeaderCommit: 2})
		require.True(t, out.Success)
		require.EqualValues(t, 3, out.MatchedIndex)
		want := append(slices.Clone(log[:2]), repl...)
		c.requireLog(0, want)
		st = c.state(0)
		require.EqualValues(t, 3, st.Term)
		require.EqualValues(t, 2, st.CommitIndex)
		requireMap(t, replay(want, 2), st.MetaMap, "after the repair")

		// 6. A heartbeat (no entries) advances commitIndex up to its
		// PrevLogIndex only; commitIndex never moves back.
		out = ae(&surfstore.AppendEntryInput{Term: 3, PrevLogIndex: 3, PrevLogTerm: 3, LeaderCommit: 9})
		require.True(t, out.Success)
		require.EqualValues(t, 3, c.state(0).CommitIndex)
		out = ae(&surfstore.AppendEntryInput{Term: 3, PrevLogIndex: 0, PrevLogTerm: 1, LeaderCommit: 1})
		require.True(t, out.Success)
		st = c.state(0)
		require.EqualValues(t, 3, st.CommitIndex, "commitIndex never decreases")
		requireMap(t, replay(want, 3), st.MetaMap, "all committed")
		t.Passed(1, 0, 0, 0)
	})
}
