package puddlestore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"distlabs/coord"
)

// Env is what a cluster and its clients run on: where Tapestry nodes and
// block servers listen, how a host dials another, and how a program opens
// a session with the coordination service. The tests build one on a
// simulated network in virtual time; TCPEnv is the real one.
type Env struct {
	// Listen returns a listener for role ("tapestry" or "blocks") of the
	// cluster's node i.
	Listen func(i int, role string) (net.Listener, error)
	// Dial connects the host from (a node's or a client's name) to addr.
	Dial func(ctx context.Context, from, addr string) (net.Conn, error)
	// Coord opens a new session with the coordination service.
	Coord func() (coord.Conn, error)
	// Seed seeds the clients' random choices of nodes and block IDs; 0
	// takes one from the clock.
	Seed uint64
}

// ZooKeeper opens a session with the ZooKeeper server at addr. It is nil
// until a program that has an adapter (the puddlestore command) sets it;
// CreateCluster needs it.
var ZooKeeper func(addr string) (coord.Conn, error)

// TCPEnv is the real Env: loopback TCP on any free port and sessions from
// connect.
func TCPEnv(connect func() (coord.Conn, error)) Env {
	return Env{
		Listen: func(int, string) (net.Listener, error) {
			return net.Listen("tcp", "localhost:0")
		},
		Dial: func(ctx context.Context, _, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
		Coord: connect,
		Seed:  uint64(time.Now().UnixNano()),
	}
}

// CreateCluster starts cfg.NumTapestry Tapestry nodes on loopback TCP,
// each with a block server, and registers them with the ZooKeeper at
// cfg.ZkAddr (through ZooKeeper, which must be set).
func CreateCluster(cfg Config) (*Cluster, error) {
	env, err := zooKeeperEnv(cfg.ZkAddr)
	if err != nil {
		return nil, err
	}
	return CreateClusterOn(cfg, env)
}

// ConnectZooKeeper opens a client of the cluster whose state is in the
// ZooKeeper at addr (through ZooKeeper, which must be set), from a
// program other than the one that runs the cluster: it finds the block
// servers where the cluster registered them.
func ConnectZooKeeper(addr string) (Client, error) {
	env, err := zooKeeperEnv(addr)
	if err != nil {
		return nil, err
	}
	return Connect(env, "client")
}

// zooKeeperEnv is TCPEnv with sessions from the ZooKeeper at addr.
func zooKeeperEnv(addr string) (Env, error) {
	if ZooKeeper == nil {
		return Env{}, errors.New("puddlestore: no ZooKeeper adapter linked in (set puddlestore.ZooKeeper)")
	}
	return TCPEnv(func() (coord.Conn, error) {
		c, err := ZooKeeper(addr)
		if err != nil {
			return nil, fmt.Errorf("puddlestore: connect to ZooKeeper at %s: %w", addr, err)
		}
		return c, nil
	}), nil
}
