// Command benchsurf measures a surfstore sync over loopback TCP (make
// bench-surf): it writes a directory of mixed files (-mb megabytes: many
// small files, some medium, a few large), starts -stores BlockStores and a
// MetaStore in this process on ephemeral loopback ports, and syncs the
// directory to them (first sync: MB/s). It then changes one byte in 1% of
// the blocks, chosen at random, and syncs again, reporting the bytes the
// client sent on the wire and the block bytes uploaded against the bytes
// of the blocks that changed: only the changed blocks should travel.
//
//	go run ./surfstore/cmd/benchsurf -mb 200 -stores 4 -blocksize 4096
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"

	"distlabs/surfstore"
)

func main() {
	mb := flag.Int("mb", 200, "size of the directory in megabytes")
	stores := flag.Int("stores", 4, "number of BlockStores")
	blockSize := flag.Int("blocksize", 4096, "block size in bytes")
	touch := flag.Float64("touch", 0.01, "fraction of the blocks changed before the second sync")
	seed := flag.Uint64("seed", 1, "seed of the file contents and of the blocks changed")
	dir := flag.String("dir", "", "directory for the files (default: a temp dir, removed after)")
	flag.Parse()
	if err := run(*mb, *stores, *blockSize, *touch, *seed, *dir); err != nil {
		fmt.Fprintf(os.Stderr, "benchsurf: %v\n", err)
		os.Exit(1)
	}
}

// counting wraps a connection and counts the bytes written and read.
type counting struct {
	net.Conn
	sent, received *atomic.Int64
}

func (c counting) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.sent.Add(int64(n))
	return n, err
}

func (c counting) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.received.Add(int64(n))
	return n, err
}

// countingStore counts the block bytes stored through it.
type countingStore struct {
	*surfstore.BlockStore
	bytes *atomic.Int64
}

func (s countingStore) PutBlock(ctx context.Context, b *surfstore.Block) (*surfstore.Success, error) {
	s.bytes.Add(int64(len(b.GetBlockData())))
	return s.BlockStore.PutBlock(ctx, b)
}

func run(mb, nStores, blockSize int, touchFrac float64, seed uint64, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "benchsurf-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	rng := rand.New(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)}))
	sizes, err := writeFiles(dir, int64(mb)<<20, rng)
	if err != nil {
		return err
	}
	var uploaded atomic.Int64
	var servers []*grpc.Server
	defer func() {
		for _, s := range servers {
			s.Stop()
		}
	}()
	serve := func(register func(*grpc.Server)) (string, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		s := grpc.NewServer(surfstore.ServerOptions()...)
		register(s)
		servers = append(servers, s)
		go s.Serve(l) //nolint:errcheck // returns when Stop closes the listener
		return l.Addr().String(), nil
	}
	var blockAddrs []string
	for i := 0; i < nStores; i++ {
		addr, err := serve(func(s *grpc.Server) {
			surfstore.RegisterBlockStoreServer(s, countingStore{surfstore.NewBlockStore(), &uploaded})
		})
		if err != nil {
			return err
		}
		blockAddrs = append(blockAddrs, addr)
	}
	metaAddr, err := serve(func(s *grpc.Server) { surfstore.RegisterMetaStoreServer(s, surfstore.NewMetaStore(blockAddrs)) })
	if err != nil {
		return err
	}
	var sent, received atomic.Int64
	dialer := grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return counting{Conn: c, sent: &sent, received: &received}, nil
	})
	client := surfstore.NewSurfstoreRPCClient([]string{metaAddr}, dir, blockSize, surfstore.WithDialOptions(dialer))

	var total int64
	for _, s := range sizes {
		total += s
	}
	fmt.Printf("benchsurf: %d files, %.1f MB, block size %d, %d BlockStores over loopback TCP\n",
		len(sizes), float64(total)/1e6, blockSize, nStores)
	start := time.Now()
	if err := surfstore.ClientSync(client); err != nil {
		return fmt.Errorf("first sync: %w", err)
	}
	d := time.Since(start)
	fmt.Printf("first sync:  %6.2f s  %7.1f MB/s  sent %.1f MB on the wire, %.1f MB of blocks uploaded\n",
		d.Seconds(), float64(total)/1e6/d.Seconds(), float64(sent.Load())/1e6, float64(uploaded.Load())/1e6)

	changed, touched, err := touchBlocks(dir, sizes, blockSize, touchFrac, rng)
	if err != nil {
		return err
	}
	sent.Store(0)
	received.Store(0)
	uploaded.Store(0)
	start = time.Now()
	if err := surfstore.ClientSync(client); err != nil {
		return fmt.Errorf("second sync: %w", err)
	}
	d = time.Since(start)
	fmt.Printf("second sync: %6.2f s  after changing %d blocks (%.2f MB of changed blocks)\n", d.Seconds(), touched, float64(changed)/1e6)
	fmt.Printf("             sent %.2f MB on the wire (%.2fx the changed bytes), %.2f MB of blocks uploaded (%.3fx), received %.2f MB\n",
		float64(sent.Load())/1e6, float64(sent.Load())/float64(changed),
		float64(uploaded.Load())/1e6, float64(uploaded.Load())/float64(changed), float64(received.Load())/1e6)
	if uploaded.Load() != changed {
		return errors.New("the second sync uploaded other bytes than the changed blocks")
	}
	return nil
}

// writeFiles fills dir with random files totalling about total bytes:
// half the bytes in small files (1-64 KiB), a third in medium ones
// (1-8 MiB), the rest in a few large ones.
func writeFiles(dir string, total int64, rng *rand.Rand) (map[string]int64, error) {
	sizes := map[string]int64{}
	budget := []struct {
		kind     string
		share    float64
		min, max int64
	}{
		{"small", 0.5, 1 << 10, 64 << 10},
		{"medium", 0.33, 1 << 20, 8 << 20},
		{"large", 0.17, 16 << 20, 40 << 20},
	}
	for _, b := range budget {
		left := int64(float64(total) * b.share)
		for i := 0; left > 0; i++ {
			n := min(b.min+rng.Int64N(b.max-b.min+1), left)
			left -= n
			name := fmt.Sprintf("%s-%04d.bin", b.kind, i)
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				return nil, err
			}
			sizes[name] = n
		}
	}
	return sizes, nil
}

// touchBlocks changes one byte in frac of the blocks, chosen at random
// without repetition, and returns the total size of those blocks.
func touchBlocks(dir string, sizes map[string]int64, blockSize int, frac float64, rng *rand.Rand) (int64, int, error) {
	type block struct {
		name string
		off  int64
		n    int64
	}
	var all []block
	for name, size := range sizes {
		for off := int64(0); off < size; off += int64(blockSize) {
			all = append(all, block{name, off, min(int64(blockSize), size-off)})
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	k := int(float64(len(all)) * frac)
	var changed int64
	for _, b := range all[:k] {
		f, err := os.OpenFile(filepath.Join(dir, b.name), os.O_RDWR, 0)
		if err != nil {
			return 0, 0, err
		}
		at := b.off + rng.Int64N(b.n)
		one := make([]byte, 1)
		if _, err := f.ReadAt(one, at); err != nil {
			f.Close()
			return 0, 0, err
		}
		one[0] ^= 0xff
		if _, err := f.WriteAt(one, at); err != nil {
			f.Close()
			return 0, 0, err
		}
		if err := f.Close(); err != nil {
			return 0, 0, err
		}
		changed += b.n
	}
	return changed, k, nil
}
