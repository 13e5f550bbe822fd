package surfstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"distlabs/surfstore"
	"distlabs/surfstore/internal/surftest"
	"distlabs/test/labtest"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// TestCourseOpaqueHashLists: the servers store hash lists as given, as the
// course's MetaStore does (the course's raft tests update files with
// BlockHashList nil or made-up hashes and compare the logs); only an
// oversized list is refused. Not graded: it pins our compatibility.
func TestCourseOpaqueHashLists(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		ms := surfstore.NewMetaStore([]string{"block0:1"})
		for i, hashes := range [][]string{nil, {"hash1", "hash2"}} {
			name := []string{"nil", "fake"}[i]
			v, err := ms.UpdateFile(context.Background(), &surfstore.FileMetaData{Filename: name, Version: 1, BlockHashList: hashes})
			require.NoError(t, err, "MetaStore.UpdateFile with hash list %q", hashes)
			require.EqualValues(t, 1, v.GetVersion())
		}
		_, err := ms.UpdateFile(context.Background(), &surfstore.FileMetaData{Filename: "big", Version: 1, BlockHashList: []string{strings.Repeat("a", 1<<20)}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "a 1 MiB hash: %v", err)

		c := makeRaftCluster(t, 3)
		c.setLeader(0)
		meta := &surfstore.FileMetaData{Filename: "testFile1", Version: 1}
		v, err := c.raft[0].UpdateFile(c.ctx(), meta)
		require.NoError(t, err, "raft UpdateFile with BlockHashList nil")
		require.EqualValues(t, 1, v.GetVersion())
		c.heartbeat(0)
		want := []*surfstore.UpdateOperation{noop(1), {Term: 1, FileMetaData: meta}}
		for i := range 3 {
			c.requireLog(i, want)
		}
	})
}

// courseFollower answers every MetaStore call as a follower written to the
// course does: the course's ErrNotLeader is a plain error, so gRPC sends
// it as codes.Unknown.
type courseFollower struct {
	surfstore.UnimplementedMetaStoreServer
}

var errCourseNotLeader = errors.New("server is not the leader")

func (courseFollower) GetFileInfoMap(context.Context, *emptypb.Empty) (*surfstore.FileInfoMap, error) {
	return nil, errCourseNotLeader
}

func (courseFollower) UpdateFile(context.Context, *surfstore.FileMetaData) (*surfstore.Version, error) {
	return nil, errCourseNotLeader
}

func (courseFollower) GetBlockStoreMap(context.Context, *surfstore.BlockHashes) (*surfstore.BlockStoreMap, error) {
	return nil, errCourseNotLeader
}

func (courseFollower) GetBlockStoreAddrs(context.Context, *emptypb.Empty) (*surfstore.BlockStoreAddrs, error) {
	return nil, errCourseNotLeader
}

// TestCourseFollowerErrors: the sync client passes over a server that
// answers the course's "server is not the leader" as codes.Unknown and
// syncs through the next address. Not graded: it pins our compatibility.
func TestCourseFollowerErrors(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		surftest.Serve(t, c.rn, "follower:1", func(s *grpc.Server) { surfstore.RegisterMetaStoreServer(s, courseFollower{}) })
		a := c.client(4)
		a.MetaStoreAddrs = append([]string{"follower:1"}, a.MetaStoreAddrs...)
		data := []byte("through the leader")
		writeAndSync(t, "f", data, a)
		checkIndex(t, a.BaseDir, 4, map[string]entry{"f": {1, data}})
	})
}

// courseRaftServer is a stage-3 server as the course's starter code wires
// it: it registers only the RaftSurfstore service (no MetaStore), answers
// the metadata calls there when it is the leader (meta set), and fails
// them with the course's fmt.Errorf text (gRPC code Unknown) otherwise.
// The S1 and S2 tests serve their MetaStore through one as well, so a
// client that speaks only RaftSurfstore is graded there too.
type courseRaftServer struct {
	surfstore.UnimplementedRaftSurfstoreServer
	meta surfstore.MetaStoreServer // nil: not the leader
}

// leaderOnly answers a metadata call as a course-style server does: from
// meta, the leader's MetaStore, or with the course's error when meta is
// nil (not the leader).
func leaderOnly[A, R any](meta surfstore.MetaStoreServer, call func(surfstore.MetaStoreServer, context.Context, A) (R, error), ctx context.Context, a A) (R, error) {
	if meta == nil {
		var none R
		return none, errCourseNotLeader
	}
	return call(meta, ctx, a)
}

func (s courseRaftServer) GetFileInfoMap(ctx context.Context, e *emptypb.Empty) (*surfstore.FileInfoMap, error) {
	return leaderOnly(s.meta, surfstore.MetaStoreServer.GetFileInfoMap, ctx, e)
}

func (s courseRaftServer) UpdateFile(ctx context.Context, m *surfstore.FileMetaData) (*surfstore.Version, error) {
	return leaderOnly(s.meta, surfstore.MetaStoreServer.UpdateFile, ctx, m)
}

func (s courseRaftServer) GetBlockStoreMap(ctx context.Context, h *surfstore.BlockHashes) (*surfstore.BlockStoreMap, error) {
	return leaderOnly(s.meta, surfstore.MetaStoreServer.GetBlockStoreMap, ctx, h)
}

func (s courseRaftServer) GetBlockStoreAddrs(ctx context.Context, e *emptypb.Empty) (*surfstore.BlockStoreAddrs, error) {
	return leaderOnly(s.meta, surfstore.MetaStoreServer.GetBlockStoreAddrs, ctx, e)
}

// TestSyncRaftSurfstoreOnlyServers: our client syncs against course-style
// stage-3 servers that register only the RaftSurfstore service (a
// MetaStore call is Unimplemented there): it uses the RaftSurfstore
// service's metadata calls, skips the follower, and two clients converge.
// Not graded: the RPC client is given code in the handout, so this pins
// our client's compatibility with the course's servers, not a student's
// work.
func TestSyncRaftSurfstoreOnlyServers(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		c := newCluster(t, 1)
		addrs := []string{"courseraft0:1", "courseraft1:1"}
		surftest.Serve(t, c.rn, addrs[0], func(s *grpc.Server) { surfstore.RegisterRaftSurfstoreServer(s, courseRaftServer{}) })
		surftest.Serve(t, c.rn, addrs[1], func(s *grpc.Server) { surfstore.RegisterRaftSurfstoreServer(s, courseRaftServer{meta: c.meta}) })
		client := func(host string) surfstore.RPCClient {
			return surfstore.NewSurfstoreRPCClient(addrs, t.TempDir(), 4,
				surfstore.WithDialOptions(surftest.DialOptions(c.rn, host)...))
		}
		a, b := client("clienta"), client("clientb")
		f := []byte("to a course server")
		writeAndSync(t, "f", f, a, b)
		g := []byte("edited by b")
		writeAndSync(t, "f", g, b, a)
		checkSynced(t, 4, map[string][]byte{"f": g}, map[string]entry{"f": {2, g}}, a.BaseDir, b.BaseDir)
	})
}
