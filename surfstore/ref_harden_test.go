//solution:file

package surfstore_test

import (
	"context"
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

// TestSyncOneBadEntryBlocksNothing: one entry on the MetaStore that names a
// block no BlockStore holds (a buggy or hostile client, or a BlockStore
// that restarted empty) must not stop anyone's sync. Each client uploads
// its new and edited files and downloads the good ones, and its sync fails
// naming the bad file only. Before the fix every later sync of every
// client failed at that file, and nothing after it was uploaded.
func TestSyncOneBadEntryBlocksNothing(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		a, b := c.client(4), c.client(4)
		write(t, a.BaseDir, "good", []byte("good data"))
		sync(t, a)
		// "a-bad" sorts before every other file, so a sync that stops at
		// the first failure does nothing else.
		ghost := hashOf([]byte("gone"))
		v, err := c.meta.UpdateFile(context.Background(), &surfstore.FileMetaData{Filename: "a-bad", Version: 1, BlockHashList: []string{ghost}})
		require.NoError(t, err)
		require.EqualValues(t, 1, v.GetVersion())

		write(t, a.BaseDir, "good", []byte("good data, edited"))
		write(t, a.BaseDir, "new-from-a", []byte("fresh"))
		write(t, b.BaseDir, "new-from-b", []byte("mine"))
		for _, cl := range []surfstore.RPCClient{a, b, a} {
			err := surfstore.ClientSync(cl)
			require.Error(t, err, "a sync that could not download a-bad reported nothing")
			require.Contains(t, err.Error(), `"a-bad"`, "the error names the file")
			for _, other := range []string{"good", "new-from-a", "new-from-b"} {
				require.NotContains(t, err.Error(), `"`+other+`"`, "a file that synced is named as failed")
			}
		}
		files := map[string][]byte{"good": []byte("good data, edited"), "new-from-a": []byte("fresh"), "new-from-b": []byte("mine")}
		want := map[string]entry{"good": {2, files["good"]}, "new-from-a": {1, files["new-from-a"]}, "new-from-b": {1, files["new-from-b"]}}
		checkSynced(t, 4, files, want, a.BaseDir, b.BaseDir)

		// Once the block exists, the next sync takes the file as well.
		_, err = c.blocks["block0:1"].PutBlock(context.Background(), &surfstore.Block{BlockData: []byte("gone"), BlockSize: 4})
		require.NoError(t, err)
		sync(t, b)
		files["a-bad"] = []byte("gone")
		want["a-bad"] = entry{1, files["a-bad"]}
		checkSynced(t, 4, files, want, b.BaseDir)
	})
}
