package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// TestFlagsAndConfigErrors: -h explains every flag and exits 0; bad flags
// and a bad or missing config exit 2, each with a one-line reason.
func TestFlagsAndConfigErrors(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := labtest.TempFiles(t, map[string]string{
			"good.json": `{"RaftAddrs": ["localhost:1","localhost:2"], "BlockAddrs": ["localhost:3"]}`,
			"bad.json":  `{"RaftAddrs": [`,
		})
		good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")

		var out bytes.Buffer
		require.Equal(t, 0, run([]string{"-h"}, &out, make(chan os.Signal, 1)))
		for _, f := range []string{"-f", "-i", "-d", "RaftAddrs"} {
			require.Contains(t, out.String(), f, "-h explains %s", f)
		}
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"-x"}, 2, "not defined"},
			{[]string{"-i", "zero", "-f", good}, 2, "invalid value"},
			{[]string{"-i", "0"}, 2, "-f"},
			{[]string{"-f", good}, 2, "-i"},
			{[]string{"-f", good, "-i", "0", "extra"}, 2, "unexpected argument"},
			{[]string{"-f", filepath.Join(dir, "missing.json"), "-i", "0"}, 2, "missing.json"},
			{[]string{"-f", bad, "-i", "0"}, 2, "bad.json"},
			{[]string{"-f", good, "-i", "2"}, 2, "2 raft servers"},
		} {
			out.Reset()
			code := run(tc.args, &out, make(chan os.Signal, 1))
			require.Equal(t, tc.code, code, "%v: exit status; output %q", tc.args, out.String())
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			require.Len(t, lines, 1, "%v: one line of reason, got %q", tc.args, out.String())
			require.Contains(t, lines[0], tc.want, "%v", tc.args)
			require.True(t, strings.HasPrefix(lines[0], "raft_server: "), "%v: %q", tc.args, lines[0])
		}
	})
}

// TestServesUntilSignal: with a good config the server listens on its
// address (port 0: any free loopback port) and exits 0 on a signal.
func TestServesUntilSignal(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		p := filepath.Join(t.TempDir(), "c.json")
		require.NoError(t, os.WriteFile(p, []byte(`{"RaftAddrs": ["127.0.0.1:0"], "BlockAddrs": []}`), 0o644))
		sig := make(chan os.Signal, 1)
		out := &lockedBuffer{}
		done := make(chan int, 1)
		go func() { done <- run([]string{"-f", p, "-i", "0", "-d"}, out, sig) }()
		time.Sleep(100 * time.Millisecond)
		select {
		case code := <-done:
			t.Fatalf("exited with %d before the signal: %s", code, out.String())
		default:
		}
		sig <- os.Interrupt
		select {
		case code := <-done:
			require.Equal(t, 0, code, "output %q", out.String())
		case <-time.After(10 * time.Second):
			t.Fatal("did not stop on the signal")
		}
	})
}

// TestClusterOverTCP: three servers run by the command on loopback TCP
// (ports the kernel picked) form a cluster a gRPC client drives: SetLeader,
// an update through the MetaStore service, a heartbeat, the same log on
// every server, an update with one server crashed; each exits 0 on its
// signal.
func TestClusterOverTCP(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		var addrs []string
		for range 3 {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addrs = append(addrs, l.Addr().String())
			require.NoError(t, l.Close())
		}
		cfg, err := json.Marshal(surfstore.RaftConfig{RaftAddrs: addrs, BlockAddrs: []string{"127.0.0.1:1"}})
		require.NoError(t, err)
		p := filepath.Join(t.TempDir(), "c.json")
		require.NoError(t, os.WriteFile(p, cfg, 0o644))

		var sigs []chan os.Signal
		var exits []chan int
		var outs []*lockedBuffer
		for i := range addrs {
			sig, done, out := make(chan os.Signal, 1), make(chan int, 1), &lockedBuffer{}
			go func() { done <- run([]string{"-f", p, "-i", strconv.Itoa(i)}, out, sig) }()
			sigs, exits, outs = append(sigs, sig), append(exits, done), append(outs, out)
		}
		defer func() {
			for i := range addrs {
				sigs[i] <- os.Interrupt
				select {
				case code := <-exits[i]:
					require.Equal(t, 0, code, "server %d: %s", i, outs[i].String())
				case <-time.After(10 * time.Second):
					t.Errorf("server %d did not stop on its signal", i)
				}
			}
		}()

		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var raft []surfstore.RaftSurfstoreClient
		for _, a := range addrs {
			conn, err := grpc.NewClient(a, grpc.WithTransportCredentials(insecure.NewCredentials()))
			require.NoError(t, err)
			defer conn.Close()
			raft = append(raft, surfstore.NewRaftSurfstoreClient(conn))
		}
		// The servers may still be starting: wait until they answer.
		for i, r := range raft {
			_, err := r.GetInternalState(ctx, &emptypb.Empty{}, grpc.WaitForReady(true))
			require.NoError(t, err, "server %d", i)
		}
		_, err = raft[0].SetLeader(ctx, &emptypb.Empty{})
		require.NoError(t, err)
		hash := strings.Repeat("ab", 32)
		v, err := raft[0].UpdateFile(ctx, &surfstore.FileMetaData{Filename: "f", Version: 1, BlockHashList: []string{hash}})
		require.NoError(t, err)
		require.EqualValues(t, 1, v.Version)
		_, err = raft[1].Crash(ctx, &emptypb.Empty{})
		require.NoError(t, err)
		v, err = raft[0].UpdateFile(ctx, &surfstore.FileMetaData{Filename: "f", Version: 2, BlockHashList: []string{"0"}})
		require.NoError(t, err)
		require.EqualValues(t, 2, v.Version, "two of three servers are a majority")
		_, err = raft[1].Restore(ctx, &emptypb.Empty{})
		require.NoError(t, err)
		_, err = raft[0].SendHeartbeat(ctx, &emptypb.Empty{})
		require.NoError(t, err)
		for i, r := range raft {
			st, err := r.GetInternalState(ctx, &emptypb.Empty{})
			require.NoError(t, err, "server %d", i)
			require.Len(t, st.Log, 3, "server %d: the leader's no-op and two updates", i)
			require.Nil(t, st.Log[0].FileMetaData, "server %d: entry 0 is the leader's no-op", i)
			require.EqualValues(t, 2, st.CommitIndex, "server %d", i)
			require.EqualValues(t, 2, st.MetaMap.FileInfoMap["f"].GetVersion(), "server %d", i)
		}
	})
}

// lockedBuffer is a bytes.Buffer safe for a server goroutine's writes
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
