package surfstore

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// RPCTimeout bounds each call the client makes to one server.
const RPCTimeout = 10 * time.Second

// RPCClient is the sync client's handle on the servers (the course's
// type): the MetaStore calls go to MetaStoreAddrs, trying each in turn
// (through a server's RaftSurfstore service if it has no MetaStore
// service, as the course's stage-3 servers), and the BlockStore calls to
// the address given. The zero value of the
// unexported fields dials plain TCP; options change that.
type RPCClient struct {
	// MetaStoreAddrs are the MetaStore (or Raft server) addresses.
	MetaStoreAddrs []string
	// BaseDir is the directory the client keeps in sync.
	BaseDir string
	// BlockSize is the size of the blocks files are cut into.
	BlockSize int

	dialOpts []grpc.DialOption
	logger   *log.Logger
	conns    *connCache // nil: dial per call (see KeepConns)
}

// Option configures an RPCClient.
type Option func(*RPCClient)

// WithDialOptions adds grpc.NewClient options, e.g. a context dialer that
// reaches servers over labrpc streams in tests. Without it the client dials
// TCP without transport security.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *RPCClient) { c.dialOpts = append(c.dialOpts, opts...) }
}

// WithLogger makes the client describe what a sync does to l (the -d flag
// of the commands). By default it says nothing.
func WithLogger(l *log.Logger) Option {
	return func(c *RPCClient) { c.logger = l }
}

// NewSurfstoreRPCClient returns a client for the MetaStores at addrs that
// syncs baseDir in blocks of blockSize bytes.
func NewSurfstoreRPCClient(addrs []string, baseDir string, blockSize int, opts ...Option) RPCClient {
	c := RPCClient{MetaStoreAddrs: append([]string(nil), addrs...), BaseDir: baseDir, BlockSize: blockSize}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// logf writes to the client's logger, if it has one.
func (c *RPCClient) logf(format string, args ...any) {
	if c.logger != nil {
		c.logger.Printf(format, args...)
	}
}

// connCache keeps one ClientConn per address for the length of a sync, so
// a sync of many blocks does not dial per block.
type connCache struct {
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
	// raftOnly holds the addresses whose server registers no MetaStore
	// service, only RaftSurfstore (see metaOn).
	raftOnly map[string]bool
}

// KeepConns returns a copy of c that keeps one connection per server open
// and reuses it, until the returned function closes them all. Without it
// each call dials and closes its own connection, as the course's client
// does; ClientSync keeps connections for the length of one sync.
func (c RPCClient) KeepConns() (RPCClient, func()) {
	cache := &connCache{conns: map[string]*grpc.ClientConn{}, raftOnly: map[string]bool{}}
	c.conns = cache
	return c, func() {
		cache.mu.Lock()
		defer cache.mu.Unlock()
		for addr, cc := range cache.conns {
			if err := cc.Close(); err != nil {
				c.logf("close connection to %s: %v", addr, err)
			}
			delete(cache.conns, addr)
		}
	}
}

func (c *RPCClient) newConn(addr string) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize)),
	}
	target := addr
	if len(c.dialOpts) > 0 {
		// A custom dialer gets the address as it is: no DNS resolution.
		target = "passthrough:///" + addr
	}
	cc, err := grpc.NewClient(target, append(opts, c.dialOpts...)...)
	if err != nil {
		return nil, fmt.Errorf("surfstore: connect to %s: %w", addr, err)
	}
	return cc, nil
}

// conn returns a connection to addr and the function to call when done
// with it (which closes it unless it is cached).
func (c *RPCClient) conn(addr string) (*grpc.ClientConn, func(), error) {
	if c.conns == nil {
		cc, err := c.newConn(addr)
		if err != nil {
			return nil, nil, err
		}
		return cc, func() { _ = cc.Close() }, nil // nothing useful to do with a close error
	}
	c.conns.mu.Lock()
	defer c.conns.mu.Unlock()
	if cc, ok := c.conns.conns[addr]; ok {
		return cc, func() {}, nil
	}
	cc, err := c.newConn(addr)
	if err != nil {
		return nil, nil, err
	}
	c.conns.conns[addr] = cc
	return cc, func() {}, nil
}

// callOn runs f on a connection to the server at addr (what: its kind,
// for the error) under an RPCTimeout deadline.
func (c *RPCClient) callOn(what, addr string, f func(ctx context.Context, cc *grpc.ClientConn) error) error {
	cc, done, err := c.conn(addr)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), RPCTimeout)
	defer cancel()
	if err := f(ctx, cc); err != nil {
		return fmt.Errorf("surfstore: %s %s: %w", what, addr, err)
	}
	return nil
}

// blockCall runs f against the BlockStore at addr.
func (c *RPCClient) blockCall(addr string, f func(ctx context.Context, bs BlockStoreClient) error) error {
	return c.callOn("block store", addr, func(ctx context.Context, cc *grpc.ClientConn) error {
		return f(ctx, NewBlockStoreClient(cc))
	})
}

// metaCall runs f against the MetaStores in order and returns at the first
// success. A server that is unreachable, not the leader, crashed or slow
// (Unavailable, DeadlineExceeded) makes it try the next; the last error is
// returned when every address failed. Any other error (the server refused
// the request) is returned at once.
func (c *RPCClient) metaCall(f func(ctx context.Context, ms MetaStoreClient) error) error {
	if len(c.MetaStoreAddrs) == 0 {
		return errors.New("surfstore: no MetaStore address")
	}
	var errs []error
	for _, addr := range c.MetaStoreAddrs {
		err := c.callOn("metastore", addr, func(ctx context.Context, cc *grpc.ClientConn) error {
			return c.metaOn(ctx, addr, cc, f)
		})
		if err == nil {
			return nil
		}
		switch code := status.Code(err); {
		case code == codes.Unavailable, code == codes.DeadlineExceeded, code == codes.Canceled,
			code == codes.Unknown && isCourseRaftError(err):
			c.logf("metastore %s: %v; trying the next", addr, err)
			errs = append(errs, err)
		default:
			return err
		}
	}
	return fmt.Errorf("%w: %w", errNoMetaStore, errors.Join(errs...))
}

// metaOn runs f on the server at addr through its MetaStore service, or
// through its RaftSurfstore service's metadata calls (the same four, with
// the same messages) if it has no MetaStore service: a stage-3 server
// written to the course registers only RaftSurfstore, and a MetaStore call
// to it fails with Unimplemented before any handler runs, so repeating the
// call is safe. With KeepConns the client remembers such a server for the
// rest of the sync.
func (c *RPCClient) metaOn(ctx context.Context, addr string, cc *grpc.ClientConn, f func(ctx context.Context, ms MetaStoreClient) error) error {
	if c.isRaftOnly(addr) {
		return f(ctx, NewRaftSurfstoreClient(cc))
	}
	err := f(ctx, NewMetaStoreClient(cc))
	if status.Code(err) != codes.Unimplemented {
		return err
	}
	c.logf("metastore %s: %v; using its RaftSurfstore service", addr, err)
	err = f(ctx, NewRaftSurfstoreClient(cc))
	if status.Code(err) != codes.Unimplemented {
		c.setRaftOnly(addr) // the service exists, whatever this call's answer
	}
	return err
}

// isRaftOnly reports whether metaOn found no MetaStore service at addr
// earlier in this sync.
func (c *RPCClient) isRaftOnly(addr string) bool {
	if c.conns == nil {
		return false
	}
	c.conns.mu.Lock()
	defer c.conns.mu.Unlock()
	return c.conns.raftOnly[addr]
}

// setRaftOnly records that addr serves the metadata calls through
// RaftSurfstore only.
func (c *RPCClient) setRaftOnly(addr string) {
	if c.conns == nil {
		return
	}
	c.conns.mu.Lock()
	defer c.conns.mu.Unlock()
	c.conns.raftOnly[addr] = true
}

// errNoMetaStore is wrapped by metaCall's error when no MetaStore address
// answered: unlike a refusal, it tells a sync that later calls would fail
// (and wait) the same way.
var errNoMetaStore = errors.New("surfstore: no MetaStore answered")

// isCourseRaftError reports an error whose text is one of the course's raft
// errors. The course defines them with fmt.Errorf, so a server written to
// the course answers them as codes.Unknown; they still mean "ask another".
func isCourseRaftError(err error) bool {
	msg := status.Convert(err).Message()
	for _, e := range []error{ErrNotLeader, ErrServerCrashed, ErrServerCrashedUnreachable} {
		if strings.Contains(msg, status.Convert(e).Message()) {
			return true
		}
	}
	return false
}

// GetBlock fetches the block blockHash from the BlockStore at
// blockStoreAddr into block, and fails if its bytes do not hash to
// blockHash (a store must not hand out a corrupt or wrong block).
func (c *RPCClient) GetBlock(blockHash string, blockStoreAddr string, block *Block) error {
	return c.blockCall(blockStoreAddr, func(ctx context.Context, bs BlockStoreClient) error {
		b, err := bs.GetBlock(ctx, &BlockHash{Hash: blockHash})
		if err != nil {
			return err
		}
		if got := GetBlockHashString(b.GetBlockData()); got != blockHash {
			return fmt.Errorf("%w: asked for %s, got bytes hashing to %s", ErrBadBlock, blockHash, got)
		}
		block.BlockData, block.BlockSize = b.GetBlockData(), int32(len(b.GetBlockData()))
		return nil
	})
}

// ErrBadBlock is wrapped by GetBlock's error for a block whose bytes do not
// hash to the hash asked for.
var ErrBadBlock = errors.New("surfstore: block does not match its hash")

// PutBlock stores block at the BlockStore at blockStoreAddr.
func (c *RPCClient) PutBlock(block *Block, blockStoreAddr string, succ *bool) error {
	return c.blockCall(blockStoreAddr, func(ctx context.Context, bs BlockStoreClient) error {
		s, err := bs.PutBlock(ctx, block)
		if err != nil {
			return err
		}
		*succ = s.GetFlag()
		return nil
	})
}

// MissingBlocks sets blockHashesOut to the hashes of blockHashesIn that the
// BlockStore at blockStoreAddr lacks.
func (c *RPCClient) MissingBlocks(blockHashesIn []string, blockStoreAddr string, blockHashesOut *[]string) error {
	return c.blockCall(blockStoreAddr, func(ctx context.Context, bs BlockStoreClient) error {
		out, err := bs.MissingBlocks(ctx, &BlockHashes{Hashes: blockHashesIn})
		if err != nil {
			return err
		}
		*blockHashesOut = out.GetHashes()
		return nil
	})
}

// GetBlockHashes sets blockHashes to every hash the BlockStore at
// blockStoreAddr holds.
func (c *RPCClient) GetBlockHashes(blockStoreAddr string, blockHashes *[]string) error {
	return c.blockCall(blockStoreAddr, func(ctx context.Context, bs BlockStoreClient) error {
		out, err := bs.GetBlockHashes(ctx, &emptypb.Empty{})
		if err != nil {
			return err
		}
		*blockHashes = out.GetHashes()
		return nil
	})
}

// GetFileInfoMap sets serverFileInfoMap to the MetaStore's map.
func (c *RPCClient) GetFileInfoMap(serverFileInfoMap *map[string]*FileMetaData) error {
	return c.metaCall(func(ctx context.Context, ms MetaStoreClient) error {
		m, err := ms.GetFileInfoMap(ctx, &emptypb.Empty{})
		if err != nil {
			return err
		}
		*serverFileInfoMap = m.GetFileInfoMap()
		if *serverFileInfoMap == nil {
			*serverFileInfoMap = map[string]*FileMetaData{}
		}
		return nil
	})
}

// UpdateFile sends fileMetaData to the MetaStore and sets latestVersion to
// its answer: the new version, or -1 if the update was refused.
func (c *RPCClient) UpdateFile(fileMetaData *FileMetaData, latestVersion *int32) error {
	return c.metaCall(func(ctx context.Context, ms MetaStoreClient) error {
		v, err := ms.UpdateFile(ctx, fileMetaData)
		if err != nil {
			return err
		}
		*latestVersion = v.GetVersion()
		return nil
	})
}

// GetBlockStoreMap sets blockStoreMap to the MetaStore's grouping of
// blockHashesIn by BlockStore address.
func (c *RPCClient) GetBlockStoreMap(blockHashesIn []string, blockStoreMap *map[string][]string) error {
	return c.metaCall(func(ctx context.Context, ms MetaStoreClient) error {
		m, err := ms.GetBlockStoreMap(ctx, &BlockHashes{Hashes: blockHashesIn})
		if err != nil {
			return err
		}
		out := make(map[string][]string, len(m.GetBlockStoreMap()))
		for addr, hs := range m.GetBlockStoreMap() {
			out[addr] = hs.GetHashes()
		}
		*blockStoreMap = out
		return nil
	})
}

// GetBlockStoreAddrs sets blockStoreAddrs to the MetaStore's list.
func (c *RPCClient) GetBlockStoreAddrs(blockStoreAddrs *[]string) error {
	return c.metaCall(func(ctx context.Context, ms MetaStoreClient) error {
		a, err := ms.GetBlockStoreAddrs(ctx, &emptypb.Empty{})
		if err != nil {
			return err
		}
		*blockStoreAddrs = a.GetBlockStoreAddrs()
		return nil
	})
}

var _ ClientInterface = (*RPCClient)(nil)
