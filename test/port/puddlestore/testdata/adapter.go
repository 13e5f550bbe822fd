package puddlestore

// The kit adapter of a port of a CS 138 PuddleStore (2021-2022 handout:
// CreateCluster(Config) starts the Tapestry nodes itself with the TA
// Tapestry's MakeRandomTapestries and keeps them in Cluster.nodes, each a
// Tapestry wrapper with the field tap; files live under FS_ROOT as inodes
// with IsDir and Blocks, each block under one key on several nodes).
// test/port/puddlestore/port.sh copies it into a port as kit.go, in place
// of ours. It is ours, not the student's: it reads the course's structures
// as the handout defines them, and gives the harness the names our kit.go
// gives it.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"distlabs/coord"
	"distlabs/tapestry"
	coursenet "distlabs/test/port/net"
	"distlabs/test/port/uuid"
)

// harnessNet is the tests' network (a *tester.Net).
type harnessNet interface {
	Listen(addr string) (net.Listener, error)
	DialContext(ctx context.Context, from, addr string) (net.Conn, error)
}

// clusterEnv is what the harness gives a cluster (see our kit.go). Course
// code listens and dials by itself, through coursenet, so listen and dial
// go unused: its nodes get their hosts from useNetwork and startCluster,
// and its clients dial from coursenet.DialHost.
type clusterEnv struct {
	listen  func(i int, role string) (net.Listener, error)
	dial    func(ctx context.Context, from, addr string) (net.Conn, error)
	connect func() (coord.Conn, error)
	seed    uint64
}

// The harness's side of a running test: the session opener that
// zkConnect calls, and the nodes crashed so far.
var kit struct {
	mu      sync.Mutex
	connect func() (coord.Conn, error)
	crashed map[int]bool
}

// The errors our suite names. Course code names none (its handout asks
// only for "an error"), so these stand-ins are never returned: isErr
// places course code's errors by their spelling instead.
var (
	ErrNotFound    = errors.New("puddlestore kit: no such file or directory")
	ErrExists      = errors.New("puddlestore kit: file exists")
	ErrIsDir       = errors.New("puddlestore kit: is a directory")
	ErrNotDir      = errors.New("puddlestore kit: not a directory")
	ErrNotEmpty    = errors.New("puddlestore kit: directory not empty")
	ErrBadFD       = errors.New("puddlestore kit: bad file descriptor")
	ErrReadOnly    = errors.New("puddlestore kit: fd not open for writing")
	ErrInvalidPath = errors.New("puddlestore kit: invalid path")
	ErrExited      = errors.New("puddlestore kit: client exited")
)

// The collector's timing, which TestGarbageCollectedG waits out; course
// code has no collector, so these are our reference's values.
var (
	GCGrace    = 20 * time.Second
	GCInterval = 5 * time.Second
)

// zkConnect stands in for zk.Connect (port.sh renames the course's calls):
// a new session from the harness, which tracks it. The servers and the
// timeout are the harness's, not the course's.
func zkConnect(servers []string, timeout time.Duration) (coord.Conn, <-chan coord.Event, error) {
	kit.mu.Lock()
	connect := kit.connect
	kit.mu.Unlock()
	if connect == nil {
		return nil, nil, fmt.Errorf("puddlestore kit: connect to %v: no cluster started by the harness", servers)
	}
	conn, err := connect()
	if err != nil {
		return nil, nil, err
	}
	return conn, nil, nil
}

// useNetwork routes the course's Tapestry listens and dials (through the
// coursenet and coursegrpc import changes) to rn; restoring closes the
// course's package-level connections, which must not outlive the test's
// network, and forgets the harness's session opener.
func useNetwork(rn harnessNet) (restore func()) {
	unuse := coursenet.Use(rn)
	return func() {
		tapestry.CloseAllConnections()
		unuse()
		kit.mu.Lock()
		kit.connect, kit.crashed = nil, nil
		kit.mu.Unlock()
	}
}

// startCluster runs the course's CreateCluster with its i-th Tapestry node
// on the host nodeHost(i), its sessions from env.connect, and its UUIDs
// from env.seed.
func startCluster(cfg Config, env clusterEnv) (*Cluster, error) {
	kit.mu.Lock()
	kit.connect, kit.crashed = env.connect, map[int]bool{}
	kit.mu.Unlock()
	uuid.Seed(env.seed)
	coursenet.ListenOnEach(nodeHost)
	return CreateCluster(cfg)
}

// crashNode kills node i of c (the course's Tapestry Kill: it empties the
// blob store and stops the server); it stays registered.
func crashNode(c *Cluster, i int) {
	kit.mu.Lock()
	crashed := kit.crashed[i]
	kit.crashed[i] = true
	kit.mu.Unlock()
	if !crashed {
		c.nodes[i].tap.Kill()
	}
}

// heldByNode returns the keys each node's blob store holds, by node; a
// crashed node holds none.
func heldByNode(c *Cluster) [][]string {
	kit.mu.Lock()
	crashed := kit.crashed
	kit.mu.Unlock()
	var out [][]string
	for i, n := range c.nodes {
		if crashed[i] {
			out = append(out, nil)
			continue
		}
		out = append(out, tapestry.HeldKeys(n.tap))
	}
	return out
}

// fsRoot is the course's file system root in the coordination service.
const fsRoot = FS_ROOT

// blockCopies decodes the course's inode data: whether it is a directory
// and, for a file, each block's key once per replica (the course stores a
// block's copies under one key on different nodes).
func blockCopies(data []byte, replicas int) (dir bool, keys []string, err error) {
	n, err := decodeInode(data)
	if err != nil {
		return false, nil, err
	}
	for _, id := range n.Blocks {
		for i := 0; i < replicas; i++ {
			keys = append(keys, id)
		}
	}
	return n.IsDir, keys, nil
}

// courseErrors are the spellings of the suite's errors in the course code
// ported so far, by the start of their message, each with the errors it
// stands for. wchen777/puddlestore (pkg/client.go) says "parent is not a
// directory" for a missing parent too, so that message stands for
// ErrNotFound as well; its write refuses a closed fd and a read-only one
// alike; its List of a missing path says "List returned nothing".
var courseErrors = []struct {
	prefix string
	is     []error
}{
	{"empty path inputted", []error{ErrInvalidPath}},
	{"open: parent is not a directory", []error{ErrNotDir, ErrNotFound}},
	{"open: file is a directory", []error{ErrIsDir}},
	{"close: file not open", []error{ErrBadFD}},
	{"read: file not open", []error{ErrBadFD}},
	{"write: file not open or not opened for writing", []error{ErrBadFD, ErrReadOnly}},
	{"mkdir: parent is not a directory", []error{ErrNotDir, ErrNotFound}},
	{"mkdir: path already exists", []error{ErrExists}},
	{"remove: directory not empty", []error{ErrNotEmpty}},
	{"remove: file/dir does not exist", []error{ErrNotFound}},
	{"List returned nothing", []error{ErrNotFound}},
}

// coordErrors are the coordination service's errors that course code
// passes on as its own (port.sh maps go-zookeeper's onto them), with the
// suite's error each stands for: the course's Open of a missing file
// returns zk.ErrNoNode, and every call after Exit fails on the closed
// connection.
var coordErrors = []struct{ coord, is error }{
	{coord.ErrNoNode, ErrNotFound},
	{coord.ErrNodeExists, ErrExists},
	{coord.ErrNotEmpty, ErrNotEmpty},
	{coord.ErrClosed, ErrExited},
}

// isErr reports whether err stands for want, by courseErrors and
// coordErrors. An error neither lists stands for nothing: a test that
// wants a particular error fails on it, as it would on the reference.
func isErr(err, want error) bool {
	if err == nil {
		return false
	}
	for _, c := range coordErrors {
		if c.is == want && errors.Is(err, c.coord) {
			return true
		}
	}
	for _, c := range courseErrors {
		if strings.HasPrefix(err.Error(), c.prefix) && slices.Contains(c.is, want) {
			return true
		}
	}
	return false
}
