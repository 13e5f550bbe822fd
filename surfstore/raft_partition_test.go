package surfstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

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
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): logs consistent after partitions")
		c := makeRaftCluster(t, 5)
		c.setLeader(0)
		c.mustUpdate(0, "a", 1)
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
		want := []*surfstore.UpdateOperation{noop(1), op(1, "a", 1), noop(2), op(2, "c", 1), op(2, "c", 2)}
		c.requireLog(1, want)
		c.requireSame(1, 0, 2, 3, 4)
		requireMap(t, replay(want, 4), c.state(0).MetaMap, "the old leader")
		t.Passed(5, 0, 0, 4)
	})
}

// TestRaftStopEndsGoroutinesS3: stopping the servers ends every goroutine
// they started, even with an UpdateFile waiting for a majority, whatever
// DISTLABS_LEAKS says (the lab's Stop rule, like the other labs' Kill
// tests).
func TestRaftStopEndsGoroutinesS3(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): Stop ends every goroutine")
		t.StrictLeaks()
		c := makeRaftCluster(t, 3)
		c.setLeader(0)
		c.mustUpdate(0, "a", 1)
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
