package surfstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Stage 3 tests that drive the raft servers through their gRPC services
// only (the course's RaftSurfstore hooks), as the course's tests do.

// withLeader runs an S3 scenario on n raft servers where server 0 is the
// leader and has committed file "a" version 1, the start most tests share.
func withLeader(t *testing.T, title string, n int, body func(t *labtest.T, c *raftCluster)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		c := makeRaftCluster(t, n)
		c.setLeader(0)
		c.mustUpdate(0, "a", 1)
		body(t, c)
	})
}

// TestRaftSetLeaderS3: SetLeader makes a server the leader of term+1 and
// appends a no-op entry of that term ({term, nil FileMetaData}, the
// course's rule); a heartbeat makes the others followers of that term,
// gives them the no-op and commits it, leaving the file map empty; only
// the leader answers the MetaStore calls, the others fail with Unavailable
// "server is not the leader"; a second SetLeader elsewhere appends its own
// no-op and demotes the first leader at its next contact.
func TestRaftSetLeaderS3(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): SetLeader and heartbeats")
		c := makeRaftCluster(t, 3)
		for i := range 3 {
			st := c.state(i)
			require.Equal(t, surfstore.ServerStatus_FOLLOWER, st.Status, "server %d before SetLeader", i)
			require.EqualValues(t, 0, st.Term, "server %d before SetLeader", i)
			require.EqualValues(t, -1, st.CommitIndex, "server %d before SetLeader", i)
		}
		_, err := c.raft[0].SetLeader(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err)
		st := c.state(0)
		require.Equal(t, surfstore.ServerStatus_LEADER, st.Status)
		require.EqualValues(t, 1, st.Term, "SetLeader becomes leader of term+1")
		require.EqualValues(t, -1, st.CommitIndex, "the no-op is on no majority before a heartbeat")
		c.requireLog(0, []*surfstore.UpdateOperation{noop(1)})
		require.EqualValues(t, 0, c.state(1).Term, "a follower learns the term only at a heartbeat")
		c.requireLog(1, nil)

		require.True(t, c.heartbeat(0).Flag, "heartbeat acknowledged by every server")
		for i := 1; i < 3; i++ {
			st := c.state(i)
			require.Equal(t, surfstore.ServerStatus_FOLLOWER, st.Status, "server %d", i)
			require.EqualValues(t, 1, st.Term, "server %d after the heartbeat", i)
			c.requireLog(i, []*surfstore.UpdateOperation{noop(1)})
		}
		st = c.state(0)
		require.EqualValues(t, 0, st.CommitIndex, "the heartbeat put the no-op on a majority: committed")
		requireMap(t, nil, st.MetaMap, "the leader after applying its no-op")

		_, err = c.meta[0].GetFileInfoMap(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err, "the leader answers GetFileInfoMap")
		for i := 1; i < 3; i++ {
			_, err := c.meta[i].GetFileInfoMap(c.ctx(), &emptypb.Empty{})
			requireUnavailable(t, err, "server is not the leader", "MetaStore.GetFileInfoMap on a follower")
			_, err = c.meta[i].UpdateFile(c.ctx(), fileMeta("a", 1))
			requireUnavailable(t, err, "server is not the leader", "MetaStore.UpdateFile on a follower")
			_, err = c.meta[i].GetBlockStoreAddrs(c.ctx(), &emptypb.Empty{})
			requireUnavailable(t, err, "server is not the leader", "MetaStore.GetBlockStoreAddrs on a follower")
			_, err = c.meta[i].GetBlockStoreMap(c.ctx(), &surfstore.BlockHashes{Hashes: []string{"x"}})
			requireUnavailable(t, err, "server is not the leader", "MetaStore.GetBlockStoreMap on a follower")
			_, err = c.raft[i].SendHeartbeat(c.ctx(), &emptypb.Empty{})
			requireUnavailable(t, err, "server is not the leader", "SendHeartbeat on a follower")
		}

		_, err = c.raft[2].SetLeader(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err)
		require.EqualValues(t, 2, c.state(2).Term)
		require.Equal(t, surfstore.ServerStatus_LEADER, c.state(0).Status, "server 0 has not heard of term 2 yet")
		require.True(t, c.heartbeat(2).Flag)
		for i := range 3 {
			st := c.state(i)
			if i < 2 {
				require.Equal(t, surfstore.ServerStatus_FOLLOWER, st.Status, "server %d after the new leader's heartbeat", i)
			}
			require.EqualValues(t, 2, st.Term, "server %d", i)
			c.requireLog(i, []*surfstore.UpdateOperation{noop(1), noop(2)})
		}
		require.EqualValues(t, 1, c.state(2).CommitIndex, "the new leader committed its no-op")
		c.requireNotLeader(0, "the old leader after the new one's heartbeat")
		t.Passed(3, 0, 0, 0)
	})
}

// TestRaftFollowersGetUpdatesS3: after the leader's no-op, UpdateFile on
// the leader returns the new version (a version conflict is refused, with
// -1 or an error as the course's starter allows, and changes nothing); the followers
// hold the same log, and after a heartbeat the same commitIndex and file
// map.
func TestRaftFollowersGetUpdatesS3(t *testing.T) {
	withLeader(t, "Test (S3): followers get updates", 3, func(t *labtest.T, c *raftCluster) {
		c.mustUpdate(0, "b", 1)
		c.mustUpdate(0, "a", 2)
		v, err := c.update(0, "a", 2)
		require.True(t, refused(&surfstore.Version{Version: v}, err), "a second update to version 2 conflicts: got %d, %v", v, err)
		v, err = c.update(0, "c", 3)
		require.True(t, refused(&surfstore.Version{Version: v}, err), "a new file starts at version 1: got %d, %v", v, err)

		// The refused updates are in the log (ours, the course's starter:
		// the MetaStore refuses them when they apply) or were refused
		// before logging; either way they change no file.
		want := []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "b", 1), op(1, "a", 2), op(1, "a", 2), op(1, "c", 3)}
		if checkedFirst := want[:4]; len(c.state(0).Log) == len(checkedFirst) {
			want = checkedFirst
		}
		last := int64(len(want) - 1)
		c.requireLog(0, want)
		st := c.state(0)
		require.EqualValues(t, last, st.CommitIndex, "the leader committed every entry it answered")
		requireMap(t, replay(want, last), st.MetaMap, "leader")
		m, err := c.meta[0].GetFileInfoMap(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err)
		requireMap(t, replay(want, last), m, "leader's GetFileInfoMap")

		c.heartbeat(0)
		for i := 1; i < 3; i++ {
			c.requireLog(i, want)
		}
		c.requireSame(0, 1, 2)
		t.Passed(3, 0, 0, 5)
	})
}

// TestRaftBlocksWithoutMajorityS3: with a majority crashed, UpdateFile on
// the leader does not return (and nothing commits); once one crashed
// server is restored it completes with the new version. A crashed server
// answers Unavailable "server is crashed", reports CRASHED and keeps its
// state.
func TestRaftBlocksWithoutMajorityS3(t *testing.T) {
	withLeader(t, "Test (S3): UpdateFile blocks without a majority", 5, func(t *labtest.T, c *raftCluster) {
		c.heartbeat(0)
		for _, i := range []int{2, 3, 4} {
			c.crash(i)
		}
		st := c.state(3)
		require.Equal(t, surfstore.ServerStatus_CRASHED, st.Status)
		c.requireLog(3, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1)}) // a crashed server keeps its log
		require.EqualValues(t, 1, st.CommitIndex, "a crashed server keeps its commitIndex")
		_, err := c.raft[3].AppendEntries(c.ctx(), &surfstore.AppendEntryInput{Term: 9, PrevLogIndex: -1, LeaderCommit: -1})
		requireUnavailable(t, err, "server is crashed", "AppendEntries on a crashed server")
		_, err = c.meta[3].GetFileInfoMap(c.ctx(), &emptypb.Empty{})
		requireUnavailable(t, err, "server is crashed", "GetFileInfoMap on a crashed server")
		_, err = c.raft[3].SetLeader(c.ctx(), &emptypb.Empty{})
		requireUnavailable(t, err, "server is crashed", "SetLeader on a crashed server")
		require.EqualValues(t, 1, c.state(3).Term, "a crashed server ignores SetLeader")

		pending := c.pendingUpdate(0, "b", 1, time.Minute)
		requirePending(t, pending, 10*time.Second, "3 of 5 servers crashed")
		st = c.state(0)
		want := []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "b", 1)}
		c.requireLog(0, want) // the leader appended the update
		require.EqualValues(t, 1, st.CommitIndex, "nothing commits without a majority")
		require.False(t, c.heartbeat(0).Flag, "a heartbeat without a majority reports failure")

		c.restore(3)
		r := awaitOutcome(t, pending, "a majority is back")
		require.NoError(t, r.err)
		require.EqualValues(t, 1, r.version)
		require.Equal(t, surfstore.ServerStatus_FOLLOWER, c.state(3).Status, "a restored server is a follower")
		c.requireLog(3, want) // the restored server got the entry
		c.restore(2)
		c.restore(4)
		c.heartbeat(0)
		c.requireConverged(0, want, 4, 1, 2, 3)
		t.Passed(5, 0, 0, 2)
	})
}

// TestRaftPartitionS3: partitions made as the course's tests make them,
// by calling MakeServerUnreachableFrom on the receiving side (server i
// refuses AppendEntries from the listed peers; an implementation that also
// stops sending to them, as ours does, partitions the same way). An
// isolated leader keeps its office but commits nothing; a new leader
// commits with the rest; followers refusing the leader count against the
// majority, and UpdateFile completes once the cut heals. After every cut
// heals, one heartbeat makes all logs and file maps equal, the isolated
// leader's entry is replaced and its UpdateFile fails with "server is not
// the leader". Every call lists the whole cut, after healing the server
// with an empty list, so the hook may either replace or add to its set.
func TestRaftPartitionS3(t *testing.T) {
	withLeader(t, "Test (S3): logs consistent after partitions", 5, func(t *labtest.T, c *raftCluster) {
		c.heartbeat(0)

		c.cut(0, 1, 2, 3, 4) // 0 refuses the others
		for i := 1; i <= 4; i++ {
			c.cut(i, 0) // and they refuse 0
		}
		isolated := c.pendingUpdate(0, "b", 1, 2*time.Minute)
		requirePending(t, isolated, 5*time.Second, "an isolated leader")
		require.False(t, c.heartbeat(0).Flag, "an isolated leader reaches no one")
		c.requireLog(1, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1)})

		_, err := c.raft[1].SetLeader(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err)
		require.True(t, c.heartbeat(1).Flag, "four of five servers are reachable")
		c.mustUpdate(1, "c", 1)
		c.requireLog(0, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), op(1, "b", 1)})

		c.cut(4, 0, 1) // 4 refuses the leader
		c.cut(3, 0, 1) // so does 3
		cut := c.pendingUpdate(1, "c", 2, 2*time.Minute)
		requirePending(t, cut, 5*time.Second, "only 2 of 5 servers reachable")
		c.requireLog(3, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), noop(2), op(2, "c", 1)})
		c.requireLog(4, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), noop(2), op(2, "c", 1)})
		c.cut(3, 0) // 3 accepts the leader again: a majority
		r := awaitOutcome(t, cut, "a majority is reachable again")
		require.NoError(t, r.err)
		require.EqualValues(t, 2, r.version)
		c.requireLog(4, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), noop(2), op(2, "c", 1)})

		for i := range 5 {
			c.cut(i) // heal every cut
		}
		c.heartbeat(1)
		r = awaitOutcome(t, isolated, "the isolated leader hears of term 2")
		requireUnavailable(t, r.err, "server is not the leader", "the isolated leader's UpdateFile once it hears of term 2")
		c.requireConverged(1, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), noop(2), op(2, "c", 1), op(2, "c", 2)}, 0, 2, 3, 4)
		t.Passed(5, 0, 0, 4)
	})
}

// TestRaftStopEndsGoroutinesS3: stopping the servers ends every goroutine
// they started, even with an UpdateFile waiting for a majority, whatever
// DISTLABS_LEAKS says (the lab's Stop rule, like the other labs' Kill
// tests).
func TestRaftStopEndsGoroutinesS3(t *testing.T) {
	withLeader(t, "Test (S3): Stop ends every goroutine", 3, func(t *labtest.T, c *raftCluster) {
		t.StrictLeaks()
		c.crash(1)
		c.crash(2)
		pending := c.pendingUpdate(0, "b", 1, time.Hour)
		time.Sleep(time.Second)
		for _, s := range c.servers {
			s.Stop()
		}
		r := awaitOutcome(t, pending, "its server stopped")
		require.Error(t, r.err, "a waiting UpdateFile fails when its server stops")
		t.Passed(3, 0, 0, 2)
	})
}
