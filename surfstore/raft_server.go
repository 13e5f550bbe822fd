package surfstore

import (
	"fmt"
	"log"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// RaftSurfstore is one server of the Raft-replicated MetaStore (stage 3).
// It serves two gRPC services on one grpc.Server: RaftSurfstore (the
// protocol and the course's test hooks) and MetaStore (for the sync
// client; only the leader answers). Leadership is the course's variant:
// the test calls SetLeader and SendHeartbeat; there are no election timers.
type RaftSurfstore struct {
	UnimplementedRaftSurfstoreServer

	id        int64
	metaStore *MetaStore
	server    *grpc.Server
	done      chan struct{} // closed by Stop
	stopOnce  sync.Once
	logger    *log.Logger // nil: no debug log

	//solution:begin S3
	mu sync.Mutex
	raftState
	peers []*peer
	name  string // the lane of this server on a test's timeline
	noted noted  // what noteState last recorded
	//solution:stub
	// // Your fields here (S3).
	//solution:end
}

// NewRaftServer makes server id of the cluster in config: its MetaStore
// knows config.BlockAddrs and its peers are the other config.RaftAddrs,
// dialed lazily with dialOpts (insecure credentials unless dialOpts say
// otherwise; tests pass a dialer over the simulated network).
func NewRaftServer(id int64, config RaftConfig, dialOpts ...grpc.DialOption) (*RaftSurfstore, error) {
	if id < 0 || id >= int64(len(config.RaftAddrs)) {
		return nil, fmt.Errorf("raft server id %d: the config has %d raft addresses", id, len(config.RaftAddrs))
	}
	s := &RaftSurfstore{
		id:        id,
		metaStore: NewMetaStore(config.BlockAddrs),
		server:    grpc.NewServer(MetaStoreServerOptions()...),
		done:      make(chan struct{}),
	}
	//solution:begin S3
	s.name = timelineName(config.RaftAddrs[id])
	s.status = ServerStatus_FOLLOWER
	s.commitIndex = -1
	s.lastApplied = -1
	s.unreachableFrom = map[int64]bool{}
	s.waiters = map[int64]*waiter{}
	opts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize), grpc.MaxCallSendMsgSize(MaxMessageSize)),
	}, dialOpts...)
	for i, addr := range config.RaftAddrs {
		if int64(i) == id {
			continue
		}
		// passthrough: the address goes to the dialer as it is, with no
		// name resolution (labrpc host names are not DNS names).
		conn, err := grpc.NewClient("passthrough:///"+addr, opts...)
		if err != nil {
			s.closePeers()
			return nil, fmt.Errorf("raft server %d: peer %d at %q: %w", id, i, addr, err)
		}
		s.peers = append(s.peers, &peer{
			id:         int64(i),
			addr:       addr,
			client:     NewRaftSurfstoreClient(conn),
			conn:       conn,
			send:       make(chan struct{}, 1),
			matchIndex: -1,
		})
	}
	//solution:stub
	// // Your code here (S3): initialize your fields, and connect to every
	// // other server of config.RaftAddrs with
	// // grpc.NewClient("passthrough:///"+addr, opts...) where opts are
	// // insecure credentials followed by dialOpts (the tests' dialer runs
	// // over a simulated network: a connection made without dialOpts
	// // reaches no one). Stop must close these connections.
	//solution:end
	RegisterRaftSurfstoreServer(s.server, s)
	RegisterMetaStoreServer(s.server, metaService{raft: s})
	return s, nil
}

// SetDebugLog makes the server log its state changes (leadership, crash
// and restore, log truncation, applied entries) to l; call it before Serve.
func (s *RaftSurfstore) SetDebugLog(l *log.Logger) { s.logger = l }

//solution:begin S3

// debugf writes one line to the debug log, if there is one.
func (s *RaftSurfstore) debugf(format string, args ...any) {
	if s.logger != nil {
		s.logger.Printf("raft %d: "+format, append([]any{s.id}, args...)...)
	}
}

//solution:end

// Serve answers both services on lis until Stop; it returns nil after Stop.
func (s *RaftSurfstore) Serve(lis net.Listener) error {
	if err := s.server.Serve(lis); err != nil {
		return fmt.Errorf("raft server %d: serve: %w", s.id, err)
	}
	return nil
}

// Stop ends the server: waiting calls return, the listener and every
// connection close, and the goroutines the server started exit.
func (s *RaftSurfstore) Stop() {
	s.stopOnce.Do(func() {
		close(s.done)
		s.server.Stop()
		//solution:begin S3
		s.closePeers()
		//solution:stub
		// // Your code here (S3): close the peer connections, and make every
		// // goroutine your server started return (they may watch s.done).
		//solution:end
	})
}

//solution:begin S3

// closePeers closes the connections to the peers.
func (s *RaftSurfstore) closePeers() {
	for _, p := range s.peers {
		// Close fails only on a connection closed already; nothing to do.
		_ = p.conn.Close()
	}
}

//solution:end

// ServeRaftServer serves server on TCP at its own address in config's
// RaftAddrs (the course's entry point, used by cmd/raft_server).
func ServeRaftServer(server *RaftSurfstore, config RaftConfig) error {
	addr := config.RaftAddrs[server.id]
	lis, err := Listen(addr)
	if err != nil {
		return fmt.Errorf("raft server %d: %w", server.id, err)
	}
	return server.Serve(lis)
}
