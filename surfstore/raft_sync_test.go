package surfstore_test

import (
	"testing"

	"distlabs/test/labtest"
)

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
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): two clients, leader failure between their syncs")
		const bs = 8
		c := makeSyncCluster(t, 3, 1)
		c.setLeader(0)
		a, b := c.syncClient(bs), c.syncClient(bs)
		f1 := []byte("first file, three blocks")
		write(t, a.BaseDir, "f1", f1)
		sync(t, a)

		c.crash(0)
		c.setLeader(1)
		sync(t, b)
		checkDir(t, b.BaseDir, map[string][]byte{"f1": f1})
		checkIndex(t, b.BaseDir, bs, map[string]entry{"f1": {1, f1}})

		f1b, f2 := []byte("first file, edited by b"), []byte("second")
		write(t, b.BaseDir, "f1", f1b)
		write(t, b.BaseDir, "f2", f2)
		sync(t, b)
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
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): delete and re-sync across leader changes")
		const bs = 4
		c := makeSyncCluster(t, 5, 2)
		c.setLeader(0)
		a, b := c.syncClient(bs), c.syncClient(bs)
		doc, keep := []byte("the document"), []byte("kept")
		write(t, a.BaseDir, "doc", doc)
		write(t, a.BaseDir, "keep", keep)
		sync(t, a)
		sync(t, b)
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
		write(t, b.BaseDir, "doc", doc2)
		sync(t, b)

		c.restore(0)
		c.restore(1)
		c.crash(2)
		c.setLeader(3)
		sync(t, a)
		sync(t, b)
		checkSynced(t, bs, map[string][]byte{"doc": doc2, "keep": keep},
			map[string]entry{"doc": {3, doc2}, "keep": {1, keep}}, a.BaseDir, b.BaseDir)
		c.heartbeat(3)
		c.requireSame(3, 0, 1, 4)
		t.Passed(5, 0, 0, 4)
	})
}
