package surfstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// raftPair runs an S3 sync scenario: n raft servers with server 0 the
// leader, nBlocks BlockStores, and two sync clients of blockSize.
func raftPair(t *testing.T, title string, n, nBlocks, blockSize int, body func(t *labtest.T, c *raftCluster, a, b surfstore.RPCClient)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		c := makeSyncCluster(t, n, nBlocks)
		c.setLeader(0)
		body(t, c, c.syncClient(blockSize), c.syncClient(blockSize))
	})
}

// Stage 3 sync scenarios: real sync clients against a raft cluster. A
// client speaks the MetaStore service to every raft address in turn and
// uses the first that answers, so it finds the leader itself. Each
// scenario checks every client's directory byte for byte and its index.db
// rows. The tests do not heartbeat before a leader change: the new
// leader's no-op, committed at the heartbeat after SetLeader, commits every
// entry its predecessor replicated to a majority, so its file map is up to
// date before a client asks.

// TestSyncLeaderFailureS3: a client syncs through the leader; the leader
// crashes and another takes over; a second client gets the file through
// the new leader (the crashed server answers "server is crashed", so the
// client moves on), edits it and adds one; the old leader is restored
// (a follower whose file map is stale, which must answer "server is not
// the leader") and the first client gets both changes; after a heartbeat
// every server holds the same log and file map.
func TestSyncLeaderFailureS3(t *testing.T) {
	const bs = 8
	raftPair(t, "Test (S3): two clients, leader failure between their syncs", 3, 1, bs, func(t *labtest.T, c *raftCluster, a, b surfstore.RPCClient) {
		f1 := []byte("first file, three blocks")
		writeAndSync(t, "f1", f1, a)

		c.crash(0)
		c.setLeader(1)
		sync(t, b)
		checkDir(t, b.BaseDir, map[string][]byte{"f1": f1})
		checkIndex(t, b.BaseDir, bs, map[string]entry{"f1": {1, f1}})

		f1b, f2 := []byte("first file, edited by b"), []byte("second")
		write(t, b.BaseDir, "f1", f1b)
		writeAndSync(t, "f2", f2, b)
		c.restore(0) // a follower with a stale file map: it must not answer
		sync(t, a)
		checkSynced(t, bs, map[string][]byte{"f1": f1b, "f2": f2},
			map[string]entry{"f1": {2, f1b}, "f2": {1, f2}}, a.BaseDir, b.BaseDir)
		c.heartbeat(1)
		c.requireSame(1, 0, 2)
		t.Passed(3, 0, 0, 3)
	})
}

// TestSyncDeleteAcrossLeaderChangeS3: a deletion synced through one leader
// reaches the other client through the next (the file goes, the index
// keeps the tombstone's version); the file re-created there continues
// the version count and reaches the first client through a third leader.
func TestSyncDeleteAcrossLeaderChangeS3(t *testing.T) {
	const bs = 4
	raftPair(t, "Test (S3): delete and re-sync across leader changes", 5, 2, bs, func(t *labtest.T, c *raftCluster, a, b surfstore.RPCClient) {
		doc, keep := []byte("the document"), []byte("kept")
		write(t, a.BaseDir, "doc", doc)
		writeAndSync(t, "keep", keep, a, b)
		checkDir(t, b.BaseDir, map[string][]byte{"doc": doc, "keep": keep})
		remove(t, a.BaseDir, "doc")
		sync(t, a)
		checkIndex(t, a.BaseDir, bs, map[string]entry{"doc": {2, nil}, "keep": {1, keep}})

		c.crash(0)
		c.crash(1)
		c.setLeader(2) // 3 of 5 servers up
		sync(t, b)
		checkDir(t, b.BaseDir, map[string][]byte{"keep": keep})
		checkIndex(t, b.BaseDir, bs, map[string]entry{"doc": {2, nil}, "keep": {1, keep}})
		doc2 := []byte("the document, written again")
		writeAndSync(t, "doc", doc2, b)

		c.restore(0)
		c.restore(1)
		c.crash(2)
		c.setLeader(3)
		sync(t, a, b)
		checkSynced(t, bs, map[string][]byte{"doc": doc2, "keep": keep},
			map[string]entry{"doc": {3, doc2}, "keep": {1, keep}}, a.BaseDir, b.BaseDir)
		c.heartbeat(3)
		c.requireSame(3, 0, 1, 4)
		t.Passed(5, 0, 0, 4)
	})
}

// TestSyncReadsNeedMajorityS3: every operation on the leader involves a
// majority, reads too (the course's starter: "if a majority of the nodes
// are crashed, should block until a majority recover"). With 2 of 3
// servers crashed the leader's GetFileInfoMap, GetBlockStoreMap and
// GetBlockStoreAddrs do not answer, and a sync fails (the client exits 1)
// and changes nothing; once one server is restored the waiting reads
// answer from the committed map and the sync succeeds.
func TestSyncReadsNeedMajorityS3(t *testing.T) {
	const bs = 8
	raftPair(t, "Test (S3): reads need a majority", 3, 1, bs, func(t *labtest.T, c *raftCluster, a, b surfstore.RPCClient) {
		f := []byte("written with a majority")
		writeAndSync(t, "f", f, a)
		c.crash(1)
		c.crash(2)

		type outcome struct {
			what  string
			files *surfstore.FileInfoMap
			err   error
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		reads := make(chan outcome, 3)
		go func() {
			m, err := c.meta[0].GetFileInfoMap(ctx, &emptypb.Empty{})
			reads <- outcome{"GetFileInfoMap", m, err}
		}()
		go func() {
			_, err := c.meta[0].GetBlockStoreMap(ctx, &surfstore.BlockHashes{Hashes: []string{hashOf(f)}})
			reads <- outcome{"GetBlockStoreMap", nil, err}
		}()
		go func() {
			_, err := c.meta[0].GetBlockStoreAddrs(ctx, &emptypb.Empty{})
			reads <- outcome{"GetBlockStoreAddrs", nil, err}
		}()
		time.Sleep(10 * time.Second)
		select {
		case r := <-reads:
			t.Fatalf("with 2 of 3 servers crashed the leader's %s returned (error %v), want it still waiting", r.what, r.err)
		default:
		}
		require.Error(t, surfstore.ClientSync(b), "a sync with 2 of 3 servers crashed")
		checkDir(t, b.BaseDir, map[string][]byte{})

		c.restore(1)
		for range 3 {
			select {
			case r := <-reads:
				require.NoError(t, r.err, "%s once a majority is back", r.what)
				if r.files != nil {
					require.Len(t, r.files.GetFileInfoMap(), 1, "the leader's file map")
				}
			case <-time.After(5 * time.Second):
				t.Fatal("a read did not return within 5 s of a majority coming back")
			}
		}
		sync(t, b)
		checkSynced(t, bs, map[string][]byte{"f": f}, map[string]entry{"f": {1, f}}, a.BaseDir, b.BaseDir)
		t.Passed(3, 0, 0, 1)
	})
}
