//solution:file

package surfstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/surfstore/internal/surftest"
	"distlabs/test/labtest"
)

// Reference-only (not handed out, not graded): our client's defences
// against a misbehaving server and a damaged index.db. The course never
// asks a client for them (its servers are trusted, its index.db helper
// is given), so a course-correct client need not pass these (issue 25).

// unsafeNames is a MetaStore that also lists entries under names a client
// must refuse.
type unsafeNames struct {
	*surfstore.MetaStore
	hash string // a block the real BlockStore holds
}

func (u unsafeNames) GetFileInfoMap(ctx context.Context, e *emptypb.Empty) (*surfstore.FileInfoMap, error) {
	m, err := u.MetaStore.GetFileInfoMap(ctx, e)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"../evil", "sub/evil", "..", `back\slash`} {
		m.FileInfoMap[name] = &surfstore.FileMetaData{Filename: name, Version: 1, BlockHashList: []string{u.hash}}
	}
	// An entry whose key and file name disagree.
	m.FileInfoMap["innocent"] = &surfstore.FileMetaData{Filename: "../evil2", Version: 1, BlockHashList: []string{u.hash}}
	return m, nil
}

// TestSyncRefusesUnsafeNames: file names from the server with a path separator
// or "..", or whose entry names another file, are refused: nothing is
// written outside the base directory or under those names, the sync
// reports it, and the server's other files still sync.
func TestSyncRefusesUnsafeNames(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		evil := []byte("evil")
		c := newClusterWith(t, 1, func(m *surfstore.MetaStore) surfstore.MetaStoreServer {
			return unsafeNames{MetaStore: m, hash: hashOf(evil)}
		})
		a, b := c.client(4), c.client(4)
		write(t, a.BaseDir, "ok", evil) // puts the block "evil" on the store
		if err := surfstore.ClientSync(a); err == nil {
			t.Fatal("ClientSync accepted a listing with unsafe names without a word")
		}
		err := surfstore.ClientSync(b)
		if err == nil || !errors.Is(err, surfstore.ErrUnsafeName) {
			t.Fatalf("ClientSync = %v, want an error wrapping ErrUnsafeName", err)
		}
		for _, dir := range []string{a.BaseDir, b.BaseDir} {
			checkDir(t, dir, map[string][]byte{"ok": evil})
			checkIndex(t, dir, 4, map[string]entry{"ok": {1, evil}})
			for _, p := range []string{"evil", "evil2"} {
				if _, err := os.Stat(filepath.Join(filepath.Dir(dir), p)); err == nil {
					t.Fatalf("a file %q was written next to the base directory", p)
				}
			}
		}
	})
}

// lyingStore answers every GetBlock with the wrong bytes.
type lyingStore struct {
	*surfstore.BlockStore
}

func (lyingStore) GetBlock(context.Context, *surfstore.BlockHash) (*surfstore.Block, error) {
	return &surfstore.Block{BlockData: []byte("wrong"), BlockSize: 5}, nil
}

// TestSyncRefusesBadBlock: a block whose bytes do not hash to the hash asked
// for is refused: the sync fails, no file (not even a partial one) is
// written, and the index stays as it was.
func TestSyncRefusesBadBlock(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		a := c.client(4)
		data := []byte("genuine content")
		writeAndSync(t, "f", data, a)
		// A second BlockStore service at the same address would clash, so
		// b reaches a lying store through a MetaStore that names it.
		liar := lyingStore{BlockStore: surfstore.NewBlockStore()}
		surftest.Serve(t, c.rn, "liar:1", func(s *grpc.Server) { surfstore.RegisterBlockStoreServer(s, liar) })
		meta2 := surfstore.NewMetaStore([]string{"liar:1"})
		surftest.Serve(t, c.rn, "meta2:1", func(s *grpc.Server) { surfstore.RegisterMetaStoreServer(s, meta2) })
		if v, err := meta2.UpdateFile(context.Background(), &surfstore.FileMetaData{Filename: "f", Version: 1, BlockHashList: hashList(data, 4)}); err != nil || v.GetVersion() != 1 {
			t.Fatalf("UpdateFile = %v, %v", v, err)
		}
		dir := t.TempDir()
		b := surfstore.NewSurfstoreRPCClient([]string{"meta2:1"}, dir, 4,
			surfstore.WithDialOptions(surftest.DialOptions(c.rn, "clientb")...))
		if err := surfstore.ClientSync(b); err == nil {
			t.Fatal("ClientSync wrote a file from blocks that do not match their hashes")
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Errorf("file %q left in the base directory", e.Name())
		}
	})
}

// TestSyncSkipsOwnFiles (not graded: the temp names are the reference's):
// the temp files of an interrupted sync are removed, not synced; a
// subdirectory and a symbolic link are left alone and not synced.
func TestSyncSkipsOwnFiles(t *testing.T) {
	twoClients(t, 4, func(t *labtest.T, c *cluster, a, b surfstore.RPCClient) {
		write(t, a.BaseDir, ".surfstore-tmp-file-123", []byte("half a download"))
		write(t, a.BaseDir, "real", []byte("real file"))
		if err := os.Mkdir(filepath.Join(a.BaseDir, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("real", filepath.Join(a.BaseDir, "link")); err != nil {
			t.Fatal(err)
		}
		sync(t, a, b)
		if _, err := os.Stat(filepath.Join(a.BaseDir, ".surfstore-tmp-file-123")); err == nil {
			t.Fatal("the stale temp file is still there")
		}
		checkSynced(t, 4, map[string][]byte{"real": []byte("real file")}, map[string]entry{"real": {1, []byte("real file")}}, b.BaseDir)
		checkIndex(t, a.BaseDir, 4, map[string]entry{"real": {1, []byte("real file")}})
	})
}

// TestSyncCorruptIndex: an index.db that is not a valid index fails the
// sync with an error, and the sync changes nothing: not the directory, not
// the index, not the server. (The course's LoadMetaFromMetaFile is not
// held to this: on a file that is not SQLite it may return an empty map
// and let the sync go on.)
func TestSyncCorruptIndex(t *testing.T) {
	twoClients(t, 4, func(t *labtest.T, c *cluster, a, b surfstore.RPCClient) {
		writeAndSync(t, "f", []byte("from a"), a)
		garbage := []byte("this is not an SQLite database, just text\n")
		write(t, b.BaseDir, "index.db", garbage)
		write(t, b.BaseDir, "g", []byte("local to b"))
		if err := surfstore.ClientSync(b); err == nil {
			t.Fatal("ClientSync with a corrupt index.db succeeded")
		}
		checkDir(t, b.BaseDir, map[string][]byte{"g": []byte("local to b")})
		if got, _ := os.ReadFile(filepath.Join(b.BaseDir, "index.db")); !bytes.Equal(got, garbage) {
			t.Fatalf("index.db changed to %s", brief(got))
		}
		sync(t, a)
		checkDir(t, a.BaseDir, map[string][]byte{"f": []byte("from a")})
		checkIndex(t, a.BaseDir, 4, map[string]entry{"f": {1, []byte("from a")}})
	})
}
