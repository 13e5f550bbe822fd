package surfstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	_ "modernc.org/sqlite" // reads index.db independently of the code under test

	"distlabs/labrpc"
	"distlabs/surfstore"
	"distlabs/surfstore/internal/surftest"
	"distlabs/test/labtest"
)

// The test cluster: one MetaStore at metaAddr and n BlockStores at
// block0:1, block1:1, ..., all gRPC servers on a labrpc network, reached
// by clients over labrpc streams. Nothing here trusts the code under test
// to judge it: expected hashes, ring positions and index rows are computed
// in this file.

const metaAddr = "meta:1"

type cluster struct {
	t          *labtest.T
	rn         *labrpc.Network
	meta       *surfstore.MetaStore
	blocks     map[string]*countingStore // by address
	blockAddrs []string
	clients    int
}

// countingStore counts the blocks stored through it, to check that a sync
// sends only what is missing.
type countingStore struct {
	*surfstore.BlockStore
	puts atomic.Int64
}

func (c *countingStore) PutBlock(ctx context.Context, b *surfstore.Block) (*surfstore.Success, error) {
	c.puts.Add(1)
	return c.BlockStore.PutBlock(ctx, b)
}

func newCluster(t *labtest.T, nBlocks int) *cluster {
	t.Helper()
	return newClusterWith(t, nBlocks, func(m *surfstore.MetaStore) surfstore.MetaStoreServer { return m })
}

// newClusterWith is newCluster with the MetaStore served through wrap,
// for tests that make the server misbehave.
func newClusterWith(t *labtest.T, nBlocks int, wrap func(*surfstore.MetaStore) surfstore.MetaStoreServer) *cluster {
	t.Helper()
	c := &cluster{t: t, rn: labrpc.MakeNetwork(), blocks: map[string]*countingStore{}}
	t.Cleanup(c.rn.Cleanup)
	for i := 0; i < nBlocks; i++ {
		c.addBlockStore(fmt.Sprintf("block%d:1", i))
	}
	c.meta = surfstore.NewMetaStore(c.blockAddrs)
	surftest.Serve(t, c.rn, metaAddr, func(s *grpc.Server) {
		ms := wrap(c.meta)
		surfstore.RegisterMetaStoreServer(s, ms)
		// A client written for the course's stage 3 calls only
		// RaftSurfstore: it must be graded here like ours.
		surfstore.RegisterRaftSurfstoreServer(s, courseRaftServer{meta: ms})
	}, surfstore.MetaStoreServerOptions()...)
	return c
}

// addBlockStore starts a BlockStore at addr (the MetaStore is not told).
func (c *cluster) addBlockStore(addr string) *countingStore {
	bs := &countingStore{BlockStore: surfstore.NewBlockStore()}
	surftest.Serve(c.t, c.rn, addr, func(s *grpc.Server) { surfstore.RegisterBlockStoreServer(s, bs) }, surfstore.BlockStoreServerOptions()...)
	c.blocks[addr] = bs
	c.blockAddrs = append(c.blockAddrs, addr)
	return bs
}

// client returns a sync client for a fresh directory, on its own host.
func (c *cluster) client(blockSize int) surfstore.RPCClient {
	c.clients++
	dir := c.t.TempDir()
	host := fmt.Sprintf("client%d", c.clients)
	return surfstore.NewSurfstoreRPCClient([]string{metaAddr}, dir, blockSize,
		surfstore.WithDialOptions(surftest.DialOptions(c.rn, host)...))
}

// stored is the set of hashes the block stores hold (GetBlockHashes):
// what a sync stored, whatever number of PutBlock calls it took.
func (c *cluster) stored() map[string]bool {
	c.t.Helper()
	set := map[string]bool{}
	for addr, bs := range c.blocks {
		hs, err := bs.GetBlockHashes(context.Background(), &emptypb.Empty{})
		if err != nil {
			c.t.Fatalf("GetBlockHashes on %s: %v", addr, err)
		}
		for _, h := range hs.GetHashes() {
			set[h] = true
		}
	}
	return set
}

// puts counts the PutBlock calls the block stores received.
func (c *cluster) puts() int {
	n := 0
	for _, bs := range c.blocks {
		n += int(bs.puts.Load())
	}
	return n
}

// sync runs ClientSync on each client in turn (the order of a scenario's
// syncs decides who wins a conflict) and fails the test on an error.
func sync(t *labtest.T, cls ...surfstore.RPCClient) {
	t.Helper()
	for _, cl := range cls {
		if err := surfstore.ClientSync(cl); err != nil {
			t.Fatalf("ClientSync(%s): %v", cl.BaseDir, err)
		}
	}
}

// writeAndSync is a client's edit: it writes name into cl's base
// directory and syncs cl, then syncs others in turn, which pick the edit
// up.
func writeAndSync(t *labtest.T, name string, data []byte, cl surfstore.RPCClient, others ...surfstore.RPCClient) {
	t.Helper()
	write(t, cl.BaseDir, name, data)
	sync(t, append([]surfstore.RPCClient{cl}, others...)...)
}

// writeFiles writes every file of files into dir, so a scenario can state
// a directory's contents once and check against the same map.
func writeFiles(t *labtest.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		write(t, dir, name, data)
	}
}

func write(t *labtest.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func remove(t *labtest.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// checkDir fails unless dir holds exactly the files of want (index.db
// aside), byte for byte.
func checkDir(t *labtest.T, dir string, want map[string][]byte) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		if e.Name() == "index.db" {
			continue
		}
		got[e.Name()] = true
		w, ok := want[e.Name()]
		if !ok {
			t.Errorf("%s: unexpected file %q", dir, e.Name())
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		if !bytes.Equal(data, w) {
			t.Errorf("%s: %q holds %s, want %s", dir, e.Name(), brief(data), brief(w))
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("%s: file %q missing", dir, name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// checkSynced runs checkDir and checkIndex on each of dirs.
func checkSynced(t *labtest.T, blockSize int, files map[string][]byte, want map[string]entry, dirs ...string) {
	t.Helper()
	for _, dir := range dirs {
		checkDir(t, dir, files)
		checkIndex(t, dir, blockSize, want)
	}
}

// dirsOf returns the clients' base directories.
func dirsOf(cls []surfstore.RPCClient) []string {
	var out []string
	for _, c := range cls {
		out = append(out, c.BaseDir)
	}
	return out
}

func brief(b []byte) string {
	if len(b) <= 40 {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%d bytes (sha256 %.12s…)", len(b), hashOf(b))
}

// entry is what index.db must say about one file.
type entry struct {
	version int
	data    []byte // nil: deleted (tombstone)
}

// checkIndex fails unless dir's index.db has exactly the rows of want:
// per file, one row per block (hashIndex 0, 1, ...), the version, and the
// block's hex SHA-256; an empty file is the one hash "-1", a deleted file
// "0".
func checkIndex(t *labtest.T, dir string, blockSize int, want map[string]entry) {
	t.Helper()
	var wantRows []string
	for name, e := range want {
		for i, h := range hashList(e.data, blockSize) {
			wantRows = append(wantRows, fmt.Sprintf("%s|%d|%d|%s", name, e.version, i, h))
		}
	}
	sort.Strings(wantRows)
	gotRows := indexRows(t, dir)
	if strings.Join(gotRows, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("%s/index.db rows (fileName|version|hashIndex|hashValue):\n%s\nwant:\n%s",
			dir, strings.Join(gotRows, "\n"), strings.Join(wantRows, "\n"))
	}
}

// indexRows reads every row of dir/index.db's table indexes, sorted.
func indexRows(t *labtest.T, dir string) []string {
	t.Helper()
	path := filepath.Join(dir, "index.db")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("index.db: %v", err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT fileName, version, hashIndex, hashValue FROM indexes`)
	if err != nil {
		t.Fatalf("index.db: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, hash string
		var version, index int
		if err := rows.Scan(&name, &version, &index, &hash); err != nil {
			t.Fatalf("index.db: %v", err)
		}
		out = append(out, fmt.Sprintf("%s|%d|%d|%s", name, version, index, hash))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("index.db: %v", err)
	}
	sort.Strings(out)
	return out
}

func hashOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// hashList is the course's block list of data: hashes of blockSize
// chunks, ["-1"] if empty, ["0"] if nil (deleted).
func hashList(data []byte, blockSize int) []string {
	switch {
	case data == nil:
		return []string{"0"}
	case len(data) == 0:
		return []string{"-1"}
	}
	var out []string
	for len(data) > 0 {
		n := min(blockSize, len(data))
		out = append(out, hashOf(data[:n]))
		data = data[n:]
	}
	return out
}

// randomBytes returns n bytes from the test's seeded source.
func randomBytes(t *labtest.T, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(t.Rand.Uint32())
	}
	return b
}

// refused reports whether an UpdateFile reply refuses the update. The
// course's starter lets a MetaStore answer a version conflict either way:
// Version -1 with no error, or an error. Callers check that nothing changed.
func refused(v *surfstore.Version, err error) bool { return err != nil || v.GetVersion() == -1 }

// equal reports whether two hash lists are the same, in order.
func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// setOf is the set of the strings in list.
func setOf(list []string) map[string]bool {
	set := map[string]bool{}
	for _, s := range list {
		set[s] = true
	}
	return set
}

// sameSet reports whether a and b hold the same strings as many times.
func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}
