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
	"fmt"
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

// fileCopies returns the key of every copy of every block the files refer
// to, read from their inodes in the coordination service through conn:
// what the nodes should hold once dead blocks are collected.
func fileCopies(conn coord.Conn, replicas int) ([]string, error) {
	var keys []string
	var walk func(p string) error
	walk = func(p string) error {
		data, _, err := conn.Get(p)
		if err != nil {
			return fmt.Errorf("get %s: %w", p, err)
		}
		n, err := decodeInode(data)
		if err != nil {
			return fmt.Errorf("inode of %s: %w", p, err)
		}
		if !n.Dir {
			for _, id := range n.Blocks {
				for i := 0; i < replicas && id != ""; i++ {
					keys = append(keys, saltedKey(id, i))
				}
			}
			return nil
		}
		names, _, err := conn.Children(p)
		if err != nil {
			return fmt.Errorf("children of %s: %w", p, err)
		}
		for _, name := range names {
			if err := walk(p + "/" + name); err != nil {
				return err
			}
		}
		return nil
	}
	return keys, walk(fsNode)
}

// isErr reports whether err is the error want.
func isErr(err, want error) bool { return errors.Is(err, want) }
