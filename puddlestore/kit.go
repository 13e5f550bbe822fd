package puddlestore

// The test harness's few uses of this package beyond the course's API
// (Config, Client, Cluster.NewClient, Cluster.Shutdown): start a cluster
// on the tests' network, crash one of its nodes, read what the nodes hold
// and what the files refer to, and compare errors. Course code spells
// these otherwise or not at all (it starts its Tapestry nodes itself, has
// no Env and names no errors); a port of course code replaces this file
// with test/port/puddlestore/testdata/adapter.go, which defines the same
// names on the course's API (README, "Porting course code"). Nothing but
// the tests uses it.

import (
	"context"
	"errors"
	"net"

	"distlabs/coord"
)

// harnessNet is the tests' network (a *tester.Net): stream listeners and
// dials between named hosts.
type harnessNet interface {
	Listen(addr string) (net.Listener, error)
	DialContext(ctx context.Context, from, addr string) (net.Conn, error)
}

// clusterEnv is what the harness gives a cluster to run on.
type clusterEnv struct {
	// listen returns the listener of role ("tapestry" or "blocks") of
	// node i, on the node's host of the tests' network.
	listen func(i int, role string) (net.Listener, error)
	// dial connects host from to addr (the harness notes each connection).
	dial func(ctx context.Context, from, addr string) (net.Conn, error)
	// connect opens a coordination session that the harness tracks, so
	// that it can cut a client's sessions off.
	connect func() (coord.Conn, error)
	// seed seeds the cluster's and its clients' random choices.
	seed uint64
}

// useNetwork readies rn for the cluster to come; the reference needs
// nothing (startCluster gives every node its listener and dialer).
func useNetwork(rn harnessNet) (restore func()) { return func() {} }

// startCluster starts a cluster of cfg on env.
func startCluster(cfg Config, env clusterEnv) (*Cluster, error) {
	return CreateClusterOn(cfg, Env{Listen: env.listen, Dial: env.dial, Coord: env.connect, Seed: env.seed})
}

// crashNode stops node i of c as a crash would: it stays registered.
func crashNode(c *Cluster, i int) { c.kill(i) }

// heldByNode returns the keys each node of c holds, by node; a crashed
// node holds none.
func heldByNode(c *Cluster) [][]string {
	c.mu.Lock()
	members := c.members
	c.mu.Unlock()
	var out [][]string
	for _, m := range members {
		if m.dead {
			out = append(out, nil)
			continue
		}
		out = append(out, m.blocks.Held())
	}
	return out
}

// fsRoot is the node of the file system's root directory in the
// coordination service; a directory's entries are its children.
const fsRoot = fsNode

// blockCopies decodes the inode data of a file system node: whether it is
// a directory and, for a file, the key of every copy of every block it
// refers to (what the nodes should hold once dead blocks are collected).
func blockCopies(data []byte, replicas int) (dir bool, keys []string, err error) {
	n, err := decodeInode(data)
	if err != nil {
		return false, nil, err
	}
	for _, id := range n.Blocks {
		for i := 0; i < replicas && id != ""; i++ {
			keys = append(keys, saltedKey(id, i))
		}
	}
	return n.Dir, keys, nil
}

// isErr reports whether err stands for want, one of the errors the suite
// names (ErrNotFound, ErrExists, ...). It is the tests' only way to sort
// an error: course code spells its errors otherwise, and its adapter
// places them by their spelling (TestTestsUseTheKit keeps the tests on
// it). The reference's errors wrap ours, so errors.Is places them.
func isErr(err, want error) bool { return errors.Is(err, want) }
