//solution:file

package surfstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Reference-only (not handed out, not graded): rules of our Raft
// MetaStore that go beyond the course's, which the graded tests must not
// demand of course-style code.

// TestRaftUnreachableSenderSide: our MakeServerUnreachableFrom cuts both
// directions (README), so a leader told it is unreachable from its peers
// also stops sending to them: their logs stay without its entries. The
// course's hook only makes a server refuse incoming messages; the graded
// TestRaftPartitionS3 cuts on the receivers.
func TestRaftUnreachableSenderSide(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeRaftCluster(t, 3)
		c.setLeader(0)
		c.mustUpdate(0, "a", 1)
		c.unreachable(0, 1, 2)
		require.False(t, c.heartbeat(0).Flag, "a leader cut off from both peers reaches no one")
		pending := c.pendingUpdate(0, "b", 1, time.Minute)
		requirePending(t, pending, 5*time.Second, "a leader that sends to no one")
		for i := 1; i <= 2; i++ {
			c.requireLog(i, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1)})
		}
		c.unreachable(0)
		r := awaitOutcome(t, pending, "the cut heals")
		require.NoError(t, r.err)
		require.EqualValues(t, 1, r.version)
	})
}
