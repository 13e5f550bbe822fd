package surfstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/labrpc"
	"distlabs/surfstore"
	"distlabs/surfstore/internal/surftest"
	"distlabs/test/labtest"
)

// callTimeout bounds every call the tests make that should answer at once.
const callTimeout = 10 * time.Second

// raftCluster is n raft servers on a simulated network, each served on
// "raftI:5000" and dialing from host "raftI", with a test client per
// server (RaftSurfstore and MetaStore services) dialing from "tester",
// and the BlockStores at "blockJ:1" the MetaStore knows.
type raftCluster struct {
	t       *labtest.T
	rn      *labrpc.Network
	config  surfstore.RaftConfig
	servers []*surfstore.RaftSurfstore
	raft    []surfstore.RaftSurfstoreClient
	meta    []surfstore.MetaStoreClient
	clients int // sync clients made so far
}

// makeRaftCluster starts n raft servers and no BlockStore; the test's
// cleanup stops them.
func makeRaftCluster(t *labtest.T, n int) *raftCluster { return makeSyncCluster(t, n, 0) }

// makeSyncCluster starts n raft servers and nBlocks BlockStores.
func makeSyncCluster(t *labtest.T, n, nBlocks int) *raftCluster {
	t.Helper()
	c := &raftCluster{t: t, rn: labrpc.MakeNetwork()}
	t.Cleanup(c.rn.Cleanup)
	for j := range nBlocks {
		addr := fmt.Sprintf("block%d:1", j)
		bs := surfstore.NewBlockStore()
		surftest.Serve(t, c.rn, addr, func(s *grpc.Server) { surfstore.RegisterBlockStoreServer(s, bs) }, surfstore.BlockStoreServerOptions()...)
		c.config.BlockAddrs = append(c.config.BlockAddrs, addr)
	}
	for i := range n {
		c.config.RaftAddrs = append(c.config.RaftAddrs, fmt.Sprintf("raft%d:5000", i))
	}
	// Every address listens before any server is made: a server that
	// connects to its peers at once (as the course's NewRaftServer may)
	// must not meet a refusal and then a reconnect backoff.
	listeners := make([]net.Listener, n)
	for i := range n {
		l, err := c.rn.Listen(c.config.RaftAddrs[i])
		require.NoError(t, err)
		listeners[i] = l
	}
	for i, l := range listeners {
		s, err := surfstore.NewRaftServer(int64(i), c.config, surftest.DialOptions(c.rn, fmt.Sprintf("raft%d", i))...)
		require.NoError(t, err)
		served := make(chan error, 1)
		go func() { served <- s.Serve(l) }()
		t.Cleanup(func() {
			s.Stop()
			if err := <-served; err != nil {
				t.Errorf("server %d: %v", i, err)
			}
		})
		conn, err := grpc.NewClient(surftest.Target(c.config.RaftAddrs[i]), surftest.DialOptions(c.rn, "tester")...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		c.servers = append(c.servers, s)
		c.raft = append(c.raft, surfstore.NewRaftSurfstoreClient(conn))
		c.meta = append(c.meta, surfstore.NewMetaStoreClient(conn))
	}
	return c
}

// syncClient returns a sync client for a fresh directory, on a host of its
// own, that finds the leader among the raft servers.
func (c *raftCluster) syncClient(blockSize int, opts ...grpc.DialOption) surfstore.RPCClient {
	c.clients++
	host := fmt.Sprintf("client%d", c.clients)
	opts = append(surftest.DialOptions(c.rn, host), opts...)
	return surfstore.NewSurfstoreRPCClient(c.config.RaftAddrs, c.t.TempDir(), blockSize, surfstore.WithDialOptions(opts...))
}

// ctx is a context for one call that should answer promptly.
func (c *raftCluster) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	c.t.Cleanup(cancel)
	return ctx
}

// elect calls SetLeader on server i and nothing more, for a test that
// looks at the cluster before the others hear of the new leader.
func (c *raftCluster) elect(i int) error {
	_, err := c.raft[i].SetLeader(c.ctx(), &emptypb.Empty{})
	return err
}

// setLeader makes server i the leader and sends one heartbeat.
func (c *raftCluster) setLeader(i int) {
	c.t.Helper()
	require.NoError(c.t, c.elect(i), "SetLeader on server %d", i)
	c.heartbeat(i)
}

// heartbeat has server i send one heartbeat.
func (c *raftCluster) heartbeat(i int) *surfstore.Success {
	c.t.Helper()
	ok, err := c.raft[i].SendHeartbeat(c.ctx(), &emptypb.Empty{})
	require.NoError(c.t, err, "SendHeartbeat on server %d", i)
	return ok
}

// crash and restore use the test hooks of server i.
func (c *raftCluster) crash(i int) {
	c.t.Helper()
	_, err := c.raft[i].Crash(c.ctx(), &emptypb.Empty{})
	require.NoError(c.t, err, "Crash on server %d", i)
}

func (c *raftCluster) restore(i int) {
	c.t.Helper()
	_, err := c.raft[i].Restore(c.ctx(), &emptypb.Empty{})
	require.NoError(c.t, err, "Restore on server %d", i)
}

// unreachable cuts server i off from the given peers (none: reconnect).
func (c *raftCluster) unreachable(i int, from ...int64) {
	c.t.Helper()
	_, err := c.raft[i].MakeServerUnreachableFrom(c.ctx(), &surfstore.UnreachableFromServers{ServerIds: from})
	require.NoError(c.t, err, "MakeServerUnreachableFrom on server %d", i)
}

// cut makes server i unreachable from exactly the peers in from (none:
// heals it): it first heals, then lists them, so an implementation whose
// hook replaces its set and one whose hook adds to it behave the same.
func (c *raftCluster) cut(i int, from ...int64) {
	c.t.Helper()
	c.unreachable(i)
	if len(from) > 0 {
		c.unreachable(i, from...)
	}
}

// state is server i's internal state.
func (c *raftCluster) state(i int) *surfstore.RaftInternalState {
	c.t.Helper()
	st, err := c.raft[i].GetInternalState(c.ctx(), &emptypb.Empty{})
	require.NoError(c.t, err, "GetInternalState on server %d", i)
	return st
}

// update calls UpdateFile on server i with a file of one block.
func (c *raftCluster) update(i int, name string, version int32) (int32, error) {
	v, err := c.raft[i].UpdateFile(c.ctx(), fileMeta(name, version))
	if err != nil {
		return 0, err
	}
	return v.Version, nil
}

// mustUpdate is update that must succeed with the version asked for.
func (c *raftCluster) mustUpdate(i int, name string, version int32) {
	c.t.Helper()
	v, err := c.update(i, name, version)
	require.NoError(c.t, err, "UpdateFile(%s v%d) on server %d", name, version, i)
	require.Equal(c.t, version, v, "UpdateFile(%s v%d) on server %d", name, version, i)
}

// pendingUpdate starts UpdateFile on server i in a goroutine with the
// given deadline; its outcome arrives on the returned channel.
func (c *raftCluster) pendingUpdate(i int, name string, version int32, deadline time.Duration) <-chan updateOutcome {
	ch := make(chan updateOutcome, 1)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	go func() {
		defer cancel()
		v, err := c.raft[i].UpdateFile(ctx, fileMeta(name, version))
		if err != nil {
			ch <- updateOutcome{err: err}
			return
		}
		ch <- updateOutcome{version: v.Version}
	}()
	return ch
}

// updateOutcome is what an UpdateFile call returned.
type updateOutcome struct {
	version int32
	err     error
}

// fileMeta is a file of one block whose hash is that of the file's name
// and version, so every update of the tests is distinguishable in a log.
func fileMeta(name string, version int32) *surfstore.FileMetaData {
	h := sha256.Sum256(fmt.Appendf(nil, "%s-v%d", name, version))
	return &surfstore.FileMetaData{Filename: name, Version: version, BlockHashList: []string{hex.EncodeToString(h[:])}}
}

// op is a log entry as the tests write them.
func op(term int64, name string, version int32) *surfstore.UpdateOperation {
	return &surfstore.UpdateOperation{Term: term, FileMetaData: fileMeta(name, version)}
}

// noop is the entry a leader appends when SetLeader makes it leader of
// term: no FileMetaData at all (nil, not an empty one), as in the course's
// logs ({1,nil}). proto.Equal holds two of them equal and tells one from
// an entry with an empty FileMetaData.
func noop(term int64) *surfstore.UpdateOperation {
	return &surfstore.UpdateOperation{Term: term}
}

// requireUnavailable checks that err is the gRPC error Unavailable with
// the given message.
func requireUnavailable(t *labtest.T, err error, msg string, what string) {
	t.Helper()
	require.Error(t, err, what)
	st, ok := status.FromError(err)
	require.True(t, ok, "%s: not a gRPC status error: %v", what, err)
	require.Equal(t, codes.Unavailable, st.Code(), "%s: %v", what, err)
	require.Equal(t, msg, st.Message(), what)
}

// requireNotLeader checks that server i, no leader (any more), refuses
// the MetaStore's calls as the course's servers do.
func (c *raftCluster) requireNotLeader(i int, what string) {
	c.t.Helper()
	_, err := c.meta[i].GetFileInfoMap(c.ctx(), &emptypb.Empty{})
	requireUnavailable(c.t, err, "server is not the leader", what)
}

// requireConverged checks the end of a scenario: the leader holds want,
// the others the same log, term, commitIndex and file map, and that file
// map is want replayed to its end.
func (c *raftCluster) requireConverged(leader int, want []*surfstore.UpdateOperation, others ...int) {
	c.t.Helper()
	c.requireLog(leader, want)
	c.requireSame(leader, others...)
	requireMap(c.t, replay(want, int64(len(want)-1)), c.state(others[0]).MetaMap, fmt.Sprintf("server %d", others[0]))
}

// requireLog checks server i's log against want, entry by entry.
func (c *raftCluster) requireLog(i int, want []*surfstore.UpdateOperation) {
	c.t.Helper()
	got := c.state(i).Log
	require.Equal(c.t, len(want), len(got), "server %d log length; log %v", i, logString(got))
	for k := range want {
		require.True(c.t, proto.Equal(want[k], got[k]), "server %d log[%d] = %v, want %v; log %v", i, k, got[k], want[k], logString(got))
	}
}

// requireSame checks that the servers listed agree with server ref on the
// log, commitIndex, term and file map.
func (c *raftCluster) requireSame(ref int, others ...int) {
	c.t.Helper()
	want := c.state(ref)
	for _, i := range others {
		got := c.state(i)
		require.Equal(c.t, want.Term, got.Term, "server %d term vs server %d", i, ref)
		require.Equal(c.t, want.CommitIndex, got.CommitIndex, "server %d commitIndex vs server %d", i, ref)
		c.requireLog(i, want.Log)
		require.True(c.t, proto.Equal(want.MetaMap, got.MetaMap), "server %d file map %v, server %d has %v", i, got.MetaMap, ref, want.MetaMap)
	}
}

// replay is the file map a sequential MetaStore gives after the updates of
// log[0..upTo], the rule of stage 1: a version is accepted only as the
// current one + 1. A no-op changes nothing.
func replay(log []*surfstore.UpdateOperation, upTo int64) map[string]*surfstore.FileMetaData {
	m := map[string]*surfstore.FileMetaData{}
	for i := int64(0); i <= upTo && i < int64(len(log)); i++ {
		f := log[i].FileMetaData
		if f == nil {
			continue // a no-op entry (the course's 2024 leaders log one per term)
		}
		cur := int32(0)
		if old := m[f.Filename]; old != nil {
			cur = old.Version
		}
		if f.Version == cur+1 {
			m[f.Filename] = f
		}
	}
	return m
}

// requireMap checks a file map against want.
func requireMap(t *labtest.T, want map[string]*surfstore.FileMetaData, got *surfstore.FileInfoMap, what string) {
	t.Helper()
	g := got.GetFileInfoMap()
	require.Equal(t, len(want), len(g), "%s: file map %v, want %v", what, g, want)
	for name, f := range want {
		require.True(t, proto.Equal(f, g[name]), "%s: file %s is %v, want %v", what, name, g[name], f)
	}
}

// logString prints a log compactly: term:file:version per entry, term:nil
// for a no-op.
func logString(log []*surfstore.UpdateOperation) string {
	s := "["
	for i, e := range log {
		if i > 0 {
			s += " "
		}
		if e.FileMetaData == nil {
			s += fmt.Sprintf("%d:nil", e.Term)
			continue
		}
		s += fmt.Sprintf("%d:%s:%d", e.Term, e.FileMetaData.GetFilename(), e.FileMetaData.GetVersion())
	}
	return s + "]"
}

// requirePending checks that the UpdateFile behind ch is still waiting
// after d of virtual time.
func requirePending(t *labtest.T, ch <-chan updateOutcome, d time.Duration, what string) {
	t.Helper()
	time.Sleep(d)
	select {
	case r := <-ch:
		t.Fatalf("%s: UpdateFile returned %+v, want it still waiting", what, r)
	default:
	}
}

// awaitOutcome returns the outcome of the UpdateFile behind ch, which must
// arrive within 5 s of virtual time.
func awaitOutcome(t *labtest.T, ch <-chan updateOutcome, what string) updateOutcome {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: UpdateFile did not return within 5 s", what)
		return updateOutcome{}
	}
}
