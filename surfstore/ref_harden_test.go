//solution:file

package surfstore_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// Reference-only tests of the second hardening round: what a hostile peer
// or client must not be able to do to our servers and client. The course's
// code was never asked to resist these, so none of them is graded.

// TestRaftTermOverflow: a term that cannot be incremented is refused, so
// SetLeader's term+1 never wraps. Before the fix one AppendEntries of term
// MaxInt64 made the next SetLeader wrap to MinInt64, and two servers were
// leader of one term and committed different values at one index.
func TestRaftTermOverflow(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeRaftCluster(t, 3)
		c.setLeader(0)
		c.mustUpdate(0, "a", 1)
		for _, term := range []int64{math.MaxInt64} {
			out, err := c.raft[2].AppendEntries(c.ctx(), &surfstore.AppendEntryInput{Term: term, PrevLogIndex: -1, LeaderCommit: -1})
			require.True(t, err != nil || !out.GetSuccess(), "AppendEntries of term %d accepted", term)
			require.EqualValues(t, 1, c.state(2).Term, "AppendEntries of term %d moved the term", term)
		}
		// Entries of a later term than the message's break Figure 2's
		// invariant (a log's terms never exceed the current term).
		out, err := c.raft[2].AppendEntries(c.ctx(), &surfstore.AppendEntryInput{
			Term: 1, PrevLogIndex: 1, PrevLogTerm: 1, LeaderCommit: -1,
			Entries: []*surfstore.UpdateOperation{op(math.MaxInt64, "b", 1)},
		})
		require.True(t, err != nil || !out.GetSuccess(), "an entry of a term after the message's was accepted")
		c.requireLog(2, []*surfstore.UpdateOperation{noop(1), op(1, "a", 1)})

		// A term two below MaxInt64 is accepted and can be incremented once
		// more; a server at MaxInt64-1 refuses to become leader (its next
		// term could not be incremented).
		out, err = c.raft[2].AppendEntries(c.ctx(), &surfstore.AppendEntryInput{Term: math.MaxInt64 - 2, PrevLogIndex: 1, PrevLogTerm: 1, LeaderCommit: 1})
		require.NoError(t, err)
		require.True(t, out.GetSuccess())
		_, err = c.raft[2].SetLeader(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err)
		require.EqualValues(t, int64(math.MaxInt64-1), c.state(2).Term)
		require.True(t, c.heartbeat(2).Flag)
		c.mustUpdate(2, "a", 2)
		for i := range 3 {
			st := c.state(i)
			require.EqualValues(t, int64(math.MaxInt64-1), st.Term, "server %d", i)
			require.Positive(t, st.Term)
		}
		for _, i := range []int{0, 1, 2} {
			_, err = c.raft[i].SetLeader(c.ctx(), &emptypb.Empty{})
			require.Error(t, err, "SetLeader on server %d at term MaxInt64-1 must fail, not wrap", i)
			st := c.state(i)
			require.EqualValues(t, int64(math.MaxInt64-1), st.Term, "server %d's term after a refused SetLeader", i)
		}
		// Still one leader, one log.
		c.mustUpdate(2, "a", 3)
		require.True(t, c.heartbeat(2).Flag)
		c.requireSame(2, 0, 1)
	})
}
