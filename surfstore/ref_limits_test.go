//solution:file

package surfstore_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/labrpc"
	"distlabs/surfstore"
	"distlabs/surfstore/internal/surftest"
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
	withLeader(t, "Test: a term that cannot be incremented is refused", 3, func(t *labtest.T, c *raftCluster) {
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
	twoClients(t, 4, func(t *labtest.T, c *cluster, a, b surfstore.RPCClient) {
		writeAndSync(t, "good", []byte("good data"), a)
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

// rawConn dials addr from host over the cluster's network, without the
// client's own send caps, for tests that send what a hostile client would.
func rawConn(t *labtest.T, rn *labrpc.Network, host, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(surftest.Target(addr), surftest.DialOptions(rn, host)...)
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })
	return cc
}

// TestRequestCapsPerKind: a request is refused before the server decodes
// it (ResourceExhausted) when it passes its server kind's receive cap (a
// block and a little for a BlockStore) or when decoding it would take
// more than its budget (4 MB of empty hashes decode into ~120 MB). Before
// the fix a BlockStore buffered and decoded up to 64 MiB per call and the
// handler refused afterwards (InvalidArgument), and a hash list was
// decoded whole before its count was checked.
func TestRequestCapsPerKind(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		ctx := context.Background()
		bs := surfstore.NewBlockStoreClient(rawConn(t, c.rn, "hostile", "block0:1"))
		big := make([]byte, surfstore.MaxBlockSize+128<<10)
		_, err := bs.PutBlock(ctx, &surfstore.Block{BlockData: big, BlockSize: int32(len(big))})
		require.Equal(t, codes.ResourceExhausted, status.Code(err), "PutBlock of a block and 128 KiB: %v", err)
		_, err = bs.MissingBlocks(ctx, &surfstore.BlockHashes{Hashes: make([]string, 1_500_000)})
		requireTooBig(t, err, "MissingBlocks of 1.5M empty hashes")

		ms := surfstore.NewMetaStoreClient(rawConn(t, c.rn, "hostile", metaAddr))
		_, err = ms.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "bomb", Version: 1, BlockHashList: make([]string, 2_000_000)})
		requireTooBig(t, err, "UpdateFile of 2M empty hashes")
		_, err = ms.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "huge", Version: 1, BlockHashList: []string{string(make([]byte, 5<<20))}})
		require.Equal(t, codes.ResourceExhausted, status.Code(err), "UpdateFile of 5 MiB: %v", err)

		// What a client legitimately sends still passes: a whole block, and
		// a file of MaxHashesPerFile blocks.
		_, err = bs.PutBlock(ctx, &surfstore.Block{BlockData: big[:surfstore.MaxBlockSize], BlockSize: surfstore.MaxBlockSize})
		require.NoError(t, err)
		hashes := make([]string, surfstore.MaxHashesPerFile)
		for i := range hashes {
			hashes[i] = hashOf([]byte{byte(i), byte(i >> 8)})
		}
		v, err := ms.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "max", Version: 1, BlockHashList: hashes})
		require.NoError(t, err)
		require.EqualValues(t, 1, v.GetVersion())
		_, err = ms.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "over", Version: 1, BlockHashList: append(hashes, hashes[0])})
		require.Error(t, err, "a file of MaxHashesPerFile+1 blocks")
	})
}

// requireTooBig checks that err refused a request as too large for the
// server: ResourceExhausted (gRPC reports a codec's refusal as Internal,
// with the codec's status in its message).
func requireTooBig(t *labtest.T, err error, what string) {
	t.Helper()
	st := status.Convert(err)
	ok := st.Code() == codes.ResourceExhausted || st.Code() == codes.Internal && strings.Contains(st.Message(), "ResourceExhausted")
	require.True(t, ok, "%s: %v, want ResourceExhausted", what, err)
}

// TestMetaStoreMapAlwaysFits: the MetaStore bounds its whole map so that
// GetFileInfoMap's reply always fits a client's receive cap; the update
// that would pass the bound is refused (ResourceExhausted) to its sender
// only. Before the fix files of 900k hashes each were accepted until the
// map no longer fitted, and every client's sync failed from then on.
func TestMetaStoreMapAlwaysFits(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		ctx := context.Background()
		one := hashOf([]byte("x"))
		hashes := make([]string, surfstore.MaxHashesPerFile) // one shared string: cheap
		for i := range hashes {
			hashes[i] = one
		}
		accepted, refusedN := 0, 0
		for i := range 16 {
			v, err := c.meta.UpdateFile(ctx, &surfstore.FileMetaData{Filename: fmt.Sprintf("f%02d", i), Version: 1, BlockHashList: hashes})
			switch {
			case err == nil:
				require.EqualValues(t, 1, v.GetVersion())
				accepted++
			default:
				require.Equal(t, codes.ResourceExhausted, status.Code(err), "update %d: %v", i, err)
				refusedN++
			}
		}
		require.Positive(t, refusedN, "16 files of %d hashes (69 MB of map) were all accepted", surfstore.MaxHashesPerFile)
		cl := c.client(4)
		var m map[string]*surfstore.FileMetaData
		require.NoError(t, cl.GetFileInfoMap(&m), "a client cannot fetch the map")
		require.Len(t, m, accepted)
		// A small file still fits beside them, and a tombstone shrinks a
		// file, so deleting makes room.
		_, err := c.meta.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "f00", Version: 2, BlockHashList: []string{"0"}})
		require.NoError(t, err)
		v, err := c.meta.UpdateFile(ctx, &surfstore.FileMetaData{Filename: "late", Version: 1, BlockHashList: hashes})
		require.NoError(t, err, "deleting a file made no room")
		require.EqualValues(t, 1, v.GetVersion())
		require.NoError(t, cl.GetFileInfoMap(&m))
	})
}

// TestCallsInFlightPerPeer: one host may have at most
// MaxCallsInFlightPerPeer calls in flight on a server, over however many
// connections; the rest are refused at once (ResourceExhausted) and other
// hosts are still served. Before the fix a host could hold 64 calls per
// connection on as many connections as it liked.
func TestCallsInFlightPerPeer(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := makeRaftCluster(t, 3)
		c.setLeader(0)
		c.crash(1)
		c.crash(2) // UpdateFile on the leader now waits for a majority
		const perConn = 10
		type result struct{ err error }
		results := make(chan result, 2*perConn)
		for k := range 2 {
			ms := surfstore.NewMetaStoreClient(rawConn(t, c.rn, "hog", c.config.RaftAddrs[0]))
			for i := range perConn {
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					_, err := ms.UpdateFile(ctx, fileMeta(fmt.Sprintf("hog-%d-%d", k, i), 1))
					results <- result{err}
				}()
			}
		}
		time.Sleep(time.Second)
		refusedN := 0
	early:
		for {
			select {
			case r := <-results:
				require.Equal(t, codes.ResourceExhausted, status.Code(r.err), "an early answer: %v", r.err)
				refusedN++
			default:
				break early
			}
		}
		require.Equal(t, 2*perConn-surfstore.MaxCallsInFlightPerPeer, refusedN, "calls refused from a host with %d in flight", 2*perConn)
		// A hook: the MetaStore calls, reads too, wait for a majority.
		_, err := c.raft[0].GetInternalState(c.ctx(), &emptypb.Empty{})
		require.NoError(t, err, "another host is refused")
		c.restore(1)
		c.restore(2)
		c.heartbeat(0)
		for range surfstore.MaxCallsInFlightPerPeer {
			require.NoError(t, (<-results).err)
		}
	})
}
