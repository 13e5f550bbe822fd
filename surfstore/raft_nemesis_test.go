package surfstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	"distlabs/surfstore"
	"distlabs/test/labtest"
)

// The sync nemesis: clients edit, delete and re-create files and sync
// while the raft servers crash, restore, are cut off from each other and
// change leaders. The nemesis changes the leader as an election could: it
// first crashes the old one, then picks, among the servers still up (a
// majority), the one with the most up-to-date log (Raft §5.4.1), and
// raises its term above every server's.

const (
	nemesisRaft    = 5
	nemesisBlocks  = 2
	nemesisClients = 3
	nemesisRounds  = 25 // edit-and-sync rounds per client
	nemesisBlock   = 16 // block size
)

// nemesisFiles are the names the clients share, so their edits collide.
var nemesisFiles = []string{"a", "b", "c", "d"}

// TestSyncNemesisS3: after the faults heal and every client has synced
// until nothing changes, (1) every raft server holds the same log and
// file map, all of it committed; (2) the file map is the sequential replay
// of that log (version = current+1 or refused); (3) every UpdateFile a
// client was told succeeded is in that replay, accepted at the version it
// was told; (4) every client's directory holds exactly the replay's files
// with the bytes some client wrote for them, and its index.db the
// replay's versions and hashes.
func TestSyncNemesisS3(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test (S3): sync nemesis (crashes, cuts, leader changes)")
		c := makeSyncCluster(t, nemesisRaft, nemesisBlocks)
		rec := &updateLog{}
		contents := &contentTable{m: map[string][]byte{}}
		clients := make([]surfstore.RPCClient, nemesisClients)
		for i := range clients {
			clients[i] = c.syncClient(nemesisBlock, grpc.WithChainUnaryInterceptor(rec.interceptor()))
		}
		n := &nemesis{c: c, crashed: map[int]bool{}}
		require.NoError(t, n.elect())

		var failed atomic.Int64
		var wg gosync.WaitGroup
		done := make(chan struct{})
		for i, cl := range clients {
			rng := rand.New(rand.NewPCG(uint64(t.Seed), uint64(i+1)))
			wg.Go(func() {
				for range nemesisRounds {
					if err := editDir(rng, cl.BaseDir, contents); err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					if err := surfstore.ClientSync(cl); err != nil {
						failed.Add(1) // expected while no leader has a majority
					}
					time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
				}
			})
		}
		nemesisDone := make(chan error, 1)
		go func() {
			rng := rand.New(rand.NewPCG(uint64(t.Seed), 0))
			nemesisDone <- n.run(rng, done)
		}()
		wg.Wait()
		close(done)
		require.NoError(t, <-nemesisDone, "nemesis")

		// Heal everything, elect (the new leader's no-op commits at its
		// heartbeat, and with it every entry before it), and sync until
		// nothing changes; the first client's new file makes sure the last
		// leader's term has an update, too.
		require.NoError(t, n.heal())
		require.NoError(t, n.elect())
		sentinel := []byte("written after the faults")
		write(t, clients[0].BaseDir, "sentinel", sentinel)
		contents.add(sentinel)
		for round := range 3 {
			before := rec.len()
			for _, cl := range clients {
				sync(t, cl)
			}
			c.heartbeat(n.leader)
			if round == 2 {
				require.Equal(t, before, rec.len(), "a third round of syncs after the faults healed still sent updates")
			}
		}

		st := c.state(n.leader)
		last := int64(len(st.Log)) - 1
		require.Equal(t, last, st.CommitIndex, "the leader committed its whole log")
		others := slices.DeleteFunc([]int{0, 1, 2, 3, 4}, func(i int) bool { return i == n.leader })
		c.requireSame(n.leader, others...)
		want := replay(st.Log, last)
		requireMap(t, want, st.MetaMap, "the leader's file map against the replay of its log")

		acceptedAt := acceptedVersions(st.Log)
		for _, u := range rec.all() {
			if u.version < 1 {
				continue
			}
			key := fmt.Sprintf("%s@%d", u.meta.Filename, u.version)
			got := acceptedAt[key]
			require.NotNil(t, got, "client was told %s is version %d, but the log's replay never accepted it", u.meta.Filename, u.version)
			require.True(t, proto.Equal(u.meta, got), "client was told %v is version %d; the replay accepted %v there", u.meta, u.version, got)
		}

		wantDir := map[string][]byte{}
		wantIndex := map[string]entry{}
		for name, f := range want {
			data, err := contents.get(f.BlockHashList)
			require.NoError(t, err, "file %s", name)
			wantIndex[name] = entry{int(f.Version), data}
			if data != nil {
				wantDir[name] = data
			}
		}
		checkSynced(t, nemesisBlock, wantDir, wantIndex, dirsOf(clients)...)
		t.Logf("log of %d entries, %d updates answered, %d of %d syncs failed during the faults; %d crashes, %d cuts, %d leader changes; %d files",
			len(st.Log), rec.len(), failed.Load(), nemesisClients*nemesisRounds, n.crashes, n.cuts, n.elections, len(want))
		t.Passed(nemesisRaft, 0, 0, rec.len())
	})
}

// acceptedVersions replays log and returns, by "name@version", the entry
// the replay accepted as that version of that file.
func acceptedVersions(log []*surfstore.UpdateOperation) map[string]*surfstore.FileMetaData {
	out := map[string]*surfstore.FileMetaData{}
	cur := map[string]int32{}
	for _, e := range log {
		f := e.FileMetaData
		if f == nil {
			continue // a no-op entry (the course's 2024 leaders log one per term)
		}
		if f.Version == cur[f.Filename]+1 {
			cur[f.Filename] = f.Version
			out[fmt.Sprintf("%s@%d", f.Filename, f.Version)] = f
		}
	}
	return out
}

// editDir makes one random change in dir: create or re-create a file,
// rewrite one (sometimes as an empty file), or delete one. Every content
// written goes into the table.
func editDir(rng *rand.Rand, dir string, contents *contentTable) error {
	name := nemesisFiles[rng.IntN(len(nemesisFiles))]
	path := filepath.Join(dir, name)
	_, err := os.Stat(path)
	exists := err == nil
	if exists && rng.IntN(3) == 0 {
		return os.Remove(path)
	}
	var data []byte
	if rng.IntN(10) > 0 {
		data = make([]byte, 1+rng.IntN(3*nemesisBlock+5))
		for i := range data {
			data[i] = byte('a' + rng.IntN(26))
		}
	} else {
		data = []byte{}
	}
	contents.add(data)
	return os.WriteFile(path, data, 0o644)
}

// contentTable remembers every content a client wrote, by hash list.
type contentTable struct {
	mu gosync.Mutex
	m  map[string][]byte
}

func (ct *contentTable) add(data []byte) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ct.m[strings.Join(hashList(data, nemesisBlock), ",")] = data
}

// get returns the bytes with the given hash list (nil for a tombstone).
func (ct *contentTable) get(hashes []string) ([]byte, error) {
	if len(hashes) == 1 && hashes[0] == "0" {
		return nil, nil
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	data, ok := ct.m[strings.Join(hashes, ",")]
	if !ok {
		return nil, fmt.Errorf("no client wrote a file with block hashes %v", hashes)
	}
	return data, nil
}

// updateLog records the UpdateFile calls the clients made and what they
// were told, through a gRPC client interceptor.
type updateLog struct {
	mu      gosync.Mutex
	updates []recordedUpdate
}

type recordedUpdate struct {
	meta    *surfstore.FileMetaData
	version int32
}

func (u *updateLog) interceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil && strings.HasSuffix(method, "/UpdateFile") {
			u.mu.Lock()
			defer u.mu.Unlock()
			u.updates = append(u.updates, recordedUpdate{
				meta:    proto.Clone(req.(*surfstore.FileMetaData)).(*surfstore.FileMetaData),
				version: reply.(*surfstore.Version).Version,
			})
		}
		return err
	}
}

func (u *updateLog) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.updates)
}

func (u *updateLog) all() []recordedUpdate {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.updates)
}

// nemesis drives the faults. Its methods run on one goroutine at a time
// (the fault loop, then the test after it ended) and report errors rather
// than failing the test, so they may run off the test's goroutine.
type nemesis struct {
	c       *raftCluster
	leader  int
	crashed map[int]bool
	cut     map[int]bool // servers cut off from some peers

	crashes, cuts, elections int // faults made, for the log
}

// call makes one hook call on server i with a deadline.
func (n *nemesis) call(i int, what string, f func(ctx context.Context, r surfstore.RaftSurfstoreClient) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := f(ctx, n.c.raft[i]); err != nil {
		return fmt.Errorf("%s on server %d: %w", what, i, err)
	}
	return nil
}

func (n *nemesis) crash(i int) error {
	n.crashed[i] = true
	n.crashes++
	return n.call(i, "Crash", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.Crash(ctx, &emptypb.Empty{})
		return err
	})
}

func (n *nemesis) restore(i int) error {
	delete(n.crashed, i)
	return n.call(i, "Restore", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.Restore(ctx, &emptypb.Empty{})
		return err
	})
}

func (n *nemesis) cutOff(i int, from []int64) error {
	if n.cut == nil {
		n.cut = map[int]bool{}
	}
	if len(from) > 0 {
		n.cut[i] = true
		n.cuts++
	} else {
		delete(n.cut, i)
	}
	return n.call(i, "MakeServerUnreachableFrom", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.MakeServerUnreachableFrom(ctx, &surfstore.UnreachableFromServers{ServerIds: from})
		return err
	})
}

// heartbeat asks the leader for a heartbeat; it may fail (the leader is
// crashed or cannot reach a majority), which is no error of the test's.
func (n *nemesis) heartbeat() {
	_ = n.call(n.leader, "SendHeartbeat", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.SendHeartbeat(ctx, &emptypb.Empty{})
		return err
	})
}

// elect makes a new leader as an election could: the server up with the
// most up-to-date log (last term, then length), as leader of a term above
// every server's (so no two servers ever lead one term). It needs a
// majority up; the caller crashed the old leader.
func (n *nemesis) elect() error {
	if len(n.crashed) > nemesisRaft/2 {
		return fmt.Errorf("elect with %d of %d servers crashed", len(n.crashed), nemesisRaft)
	}
	best, bestTerm, bestLen := -1, int64(-1), -1
	maxTerm := int64(0)
	for i := range nemesisRaft {
		var st *surfstore.RaftInternalState
		err := n.call(i, "GetInternalState", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
			var err error
			st, err = r.GetInternalState(ctx, &emptypb.Empty{})
			return err
		})
		if err != nil {
			return err
		}
		maxTerm = max(maxTerm, st.Term)
		if n.crashed[i] {
			continue
		}
		lastTerm := int64(0)
		if len(st.Log) > 0 {
			lastTerm = st.Log[len(st.Log)-1].Term
		}
		if lastTerm > bestTerm || (lastTerm == bestTerm && len(st.Log) > bestLen) {
			best, bestTerm, bestLen = i, lastTerm, len(st.Log)
		}
	}
	// SetLeader makes a server leader of its own term + 1. Calling it
	// until the term is high enough would make the server leader of terms
	// another server led, and an update arriving meanwhile would give two
	// entries of one term at one index. So the server first hears of the
	// highest term, from an empty AppendEntries that changes no log.
	// The call names best itself as the sender: a server that refuses the
	// peers it is cut off from by LeaderId must not take the tester for
	// server 0.
	err := n.call(best, "AppendEntries", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.AppendEntries(ctx, &surfstore.AppendEntryInput{Term: maxTerm, LeaderId: int64(best), PrevLogIndex: -1, LeaderCommit: -1})
		return err
	})
	if err != nil {
		return err
	}
	err = n.call(best, "SetLeader", func(ctx context.Context, r surfstore.RaftSurfstoreClient) error {
		_, err := r.SetLeader(ctx, &emptypb.Empty{})
		return err
	})
	if err != nil {
		return err
	}
	n.leader = best
	n.elections++
	n.heartbeat()
	return nil
}

// heal restores every crashed server and every cut.
func (n *nemesis) heal() error {
	for i := range nemesisRaft {
		if n.crashed[i] {
			if err := n.restore(i); err != nil {
				return err
			}
		}
		if n.cut[i] {
			if err := n.cutOff(i, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// run makes a random fault every 2-42 ms until done closes.
func (n *nemesis) run(rng *rand.Rand, done <-chan struct{}) error {
	for {
		select {
		case <-done:
			return nil
		case <-time.After(time.Duration(2+rng.IntN(40)) * time.Millisecond):
		}
		i := rng.IntN(nemesisRaft)
		var err error
		switch k := rng.IntN(10); {
		case n.crashed[n.leader] && len(n.crashed) <= nemesisRaft/2 && k < 5:
			err = n.elect() // the cluster has been without a leader
		case k < 2 && !n.crashed[i] && len(n.crashed) < nemesisRaft/2+1:
			err = n.crash(i) // may leave no majority for a while
		case k < 4 && len(n.crashed) > 0:
			for j := range nemesisRaft {
				if n.crashed[j] {
					err = n.restore(j)
					break
				}
			}
		case k < 5:
			var from []int64
			for j := range nemesisRaft {
				if j != i && rng.IntN(2) == 0 {
					from = append(from, int64(j))
				}
			}
			err = n.cutOff(i, from)
		case k < 6 && n.cut[i]:
			err = n.cutOff(i, nil)
		case k < 8:
			n.heartbeat()
		default:
			if !n.crashed[n.leader] {
				err = n.crash(n.leader)
			}
			if err == nil && len(n.crashed) <= nemesisRaft/2 {
				err = n.elect()
			}
		}
		if err != nil {
			return err
		}
	}
}
