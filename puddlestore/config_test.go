package puddlestore

// The harness of the puddlestore tests: a cluster whose Tapestry nodes and
// block servers listen on hosts of a labrpc network ("tap0", "tap1", ...;
// the nodes' gRPC on port 1, the block servers on port 2), clients on
// hosts of their own, and a coordination service, so every test runs in
// virtual time. Nothing here trusts the code under test to judge it: what
// the nodes hold is read from the block servers, and file contents are
// compared with what the test wrote.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/coord"
	"distlabs/labrpc"
	"distlabs/raft"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// coordServers is the size of the coordination ensemble: the smallest
// that survives the loss of one server.
const coordServers = 3

type rig struct {
	t     *labtest.T
	net   *tester.Net
	coord *tester.Group[*coord.Server]
	saved *tester.States[*raft.Persister]
	cfg   Config
	c     *Cluster

	mu       sync.Mutex
	sessions []int64                  // every session opened, in order
	clerks   []*coord.Clerk           // every session's Clerk, to end at cleanup
	links    map[int64]*tester.Client // each session's links to the coord servers
	owns     map[Client][]int64       // the sessions each client opened
	dialed   []*trackedConn           // every connection a host dialled
	gates    map[string]*gate         // Creates to hold, by node path
}

// gate holds the next Create of one node until the test opens it, so
// that a test can run other clients between a client's checks and its
// Create.
type gate struct {
	reached chan struct{} // closed when the Create arrives (or is done)
	open    chan struct{} // closed by the test to let it go on
	after   bool          // hold the Create's return, not the Create
}

// gatedConn is a session whose Creates stop at the rig's gates.
type gatedConn struct {
	coord.Conn
	r *rig
}

// Create waits at the gate of p, if the test set one, and then creates.
func (c gatedConn) Create(p string, data []byte, flags int32) (string, error) {
	c.r.mu.Lock()
	g := c.r.gates[p]
	delete(c.r.gates, p)
	c.r.mu.Unlock()
	if g != nil && !g.after {
		close(g.reached)
		<-g.open
	}
	name, err := c.Conn.Create(p, data, flags)
	if g != nil && g.after {
		close(g.reached)
		<-g.open
	}
	return name, err
}

// holdCreate sets a gate on the next Create of file system path p by any
// client: reached is closed when that Create arrives, and it goes on
// when the test calls open.
func (r *rig) holdCreate(p string) (reached <-chan struct{}, open func()) {
	return r.setGate(p, false)
}

// holdCreated is holdCreate with the gate after the Create: reached is
// closed once the node is made, and the client sees the Create's reply
// when the test calls open.
func (r *rig) holdCreated(p string) (reached <-chan struct{}, open func()) {
	return r.setGate(p, true)
}

func (r *rig) setGate(p string, after bool) (reached <-chan struct{}, open func()) {
	g := &gate{reached: make(chan struct{}), open: make(chan struct{}), after: after}
	r.mu.Lock()
	r.gates[fsRoot+p] = g // p is not "/", which no Create makes
	r.mu.Unlock()
	return g.reached, func() { close(g.open) }
}

// trackedConn is a dialled connection that notes its Close, so that a
// test can check what a host left open.
type trackedConn struct {
	net.Conn
	from   string
	closed atomic.Bool
}

// Close notes the close and closes the connection.
func (c *trackedConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

// openConns counts the connections dialled from hosts whose names start
// with prefix that are not closed.
func (r *rig) openConns(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.dialed {
		if strings.HasPrefix(c.from, prefix) && !c.closed.Load() {
			n++
		}
	}
	return n
}

// smallConfig is the cluster most tests use: small blocks, so that short
// files span several.
func smallConfig() Config {
	return Config{BlockSize: 16, NumReplicas: 3, NumTapestry: 6}
}

// run runs body as the test t on a new cluster of cfg, between the
// progress line desc and the "Passed" line.
func run(t *testing.T, desc string, cfg Config, body func(t *labtest.T, r *rig)) {
	labtest.Run(t, func(t *labtest.T) {
		r := &rig{t: t, net: tester.NewNet(t, true), cfg: cfg, links: map[int64]*tester.Client{}, owns: map[Client][]int64{}, gates: map[string]*gate{}}
		defer r.net.Cleanup()
		r.startCoord()
		defer r.stopCoord()
		defer useNetwork(r.net)()
		env := clusterEnv{
			listen: func(i int, role string) (net.Listener, error) {
				port := 1
				if role == "blocks" {
					port = 2
				}
				return r.net.Listen(fmt.Sprintf("%s:%d", nodeHost(i), port))
			},
			dial: func(ctx context.Context, from, addr string) (net.Conn, error) {
				conn, err := r.net.DialContext(ctx, from, addr)
				if err != nil {
					return nil, err
				}
				tc := &trackedConn{Conn: conn, from: from}
				r.mu.Lock()
				r.dialed = append(r.dialed, tc)
				r.mu.Unlock()
				return tc, nil
			},
			connect: r.connect,
			seed:    t.Rand.Uint64(),
		}
		c, err := startCluster(cfg, env)
		if err != nil {
			t.Fatalf("create cluster: %v", err)
		}
		r.c = c
		defer c.Shutdown()
		t.Begin(desc)
		body(t, r)
		t.Passed(cfg.NumTapestry, r.net.RPCs(), 0, r.net.Ops())
	})
}

// startCoord starts the coordination servers, all connected.
func (r *rig) startCoord() {
	r.saved = tester.NewStates(coordServers, raft.MakePersister)
	r.coord = tester.NewGroup(r.net, tester.Spec[*coord.Server]{
		Name: "coord",
		N:    coordServers,
		Start: func(i int, ends []*labrpc.ClientEnd) (*coord.Server, []any) {
			s := coord.StartServer(ends, i, r.saved.Restart(i), -1)
			return s, []any{s, s.Raft()}
		},
		Crashed: r.saved.Freeze,
	})
	r.coord.StartAll()
}

// stopCoord ends every session still open (its links cut first, so that
// Close gives up at once instead of trying servers about to go), then
// stops the servers: no heartbeat outlives the test.
func (r *rig) stopCoord() {
	r.mu.Lock()
	clerks := r.clerks
	links := r.links
	r.mu.Unlock()
	for _, l := range links {
		l.Cut()
	}
	for _, ck := range clerks {
		ck.Close()
	}
	r.coord.Shutdown()
}

// connect opens a coordination session whose links to every server are
// up, its ends in a random order (nothing may assume server 0 leads),
// and notes it.
func (r *rig) connect() (coord.Conn, error) {
	order := r.coord.All()
	r.t.Rand.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	link, ends := r.coord.NewClient(order...)
	ck := coord.MakeClerk(ends)
	r.mu.Lock()
	r.sessions = append(r.sessions, ck.SessionID())
	r.clerks = append(r.clerks, ck)
	r.links[ck.SessionID()] = link
	r.mu.Unlock()
	return gatedConn{Conn: ck, r: r}, nil
}

// client makes a client and notes the sessions it opened; the test's end
// exits it. Tests make clients one at a time.
func (r *rig) client() Client {
	r.t.Helper()
	r.mu.Lock()
	from := len(r.sessions)
	r.mu.Unlock()
	cl, err := r.c.NewClient()
	if err != nil {
		r.t.Fatalf("new client: %v", err)
	}
	r.mu.Lock()
	r.owns[cl] = append([]int64(nil), r.sessions[from:]...)
	r.mu.Unlock()
	r.t.Cleanup(cl.Exit)
	return cl
}

// crash cuts cl off the coordination service, as a crashed client would
// be: its Clerk's heartbeats stop arriving, so the service expires its
// sessions after their timeout and deletes their ephemeral nodes.
func (r *rig) crash(cl Client) {
	r.mu.Lock()
	ids := r.owns[cl]
	r.mu.Unlock()
	for _, id := range ids {
		r.t.Step(fmt.Sprintf("client session %d stops heartbeating", id))
		r.mu.Lock()
		link := r.links[id]
		r.mu.Unlock()
		link.Cut()
	}
}

// killNode crashes Tapestry node i and its block server: its host goes
// down, and it stays registered, as a crashed process would.
func (r *rig) killNode(i int) {
	r.t.Step(fmt.Sprintf("tapestry node %d crashes", i))
	r.net.SetHostUp(nodeHost(i), false)
	crashNode(r.c, i)
}

// nodeHost is the host of the tests' network that node i runs on.
func nodeHost(i int) string { return fmt.Sprintf("tap%d", i) }

// held returns the keys each node holds, by node.
func (r *rig) held() [][]string { return heldByNode(r.c) }

// put writes data as the whole contents of file p (created if missing).
func (r *rig) put(cl Client, p string, data []byte) {
	r.t.Helper()
	r.writeAt(cl, p, 0, data)
}

// writeAt writes data at offset in file p (created if missing) and closes
// it.
func (r *rig) writeAt(cl Client, p string, offset uint64, data []byte) {
	r.t.Helper()
	fd, err := cl.Open(p, true, true)
	if err != nil {
		r.t.Fatalf("open %s for write: %v", p, err)
	}
	if err := cl.Write(fd, offset, data); err != nil {
		r.t.Fatalf("write %s: %v", p, err)
	}
	if err := cl.Close(fd); err != nil {
		r.t.Fatalf("close %s: %v", p, err)
	}
	r.net.Op()
}

// cat reads the whole file p (as it is at Open).
func (r *rig) cat(cl Client, p string) []byte {
	r.t.Helper()
	fd, err := cl.Open(p, false, false)
	if err != nil {
		r.t.Fatalf("open %s: %v", p, err)
	}
	data, err := cl.Read(fd, 0, 1<<40)
	if err != nil {
		r.t.Fatalf("read %s: %v", p, err)
	}
	// Closing a file opened for reading publishes nothing and must not fail.
	if err := cl.Close(fd); err != nil {
		r.t.Fatalf("close %s after reading it: %v", p, err)
	}
	r.net.Op()
	return data
}

// expect fails unless file p holds want.
func (r *rig) expect(cl Client, p string, want []byte) {
	r.t.Helper()
	if got := r.cat(cl, p); !bytes.Equal(got, want) {
		r.t.Fatalf("%s holds %s, want %s", p, show(got), show(want))
	}
}

// show prints file contents for a failure message.
func show(b []byte) string {
	if len(b) <= 64 {
		return fmt.Sprintf("%q (%d bytes)", b, len(b))
	}
	return fmt.Sprintf("%q... (%d bytes)", b[:64], len(b))
}

// pattern is n bytes that differ by position and by seed, so that a block
// read from the wrong place shows.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7+i/251) ^ seed
	}
	return b
}

// returnsWithin runs f in the background and reports whether it returned
// within d of virtual time; done is closed when it returns.
func returnsWithin(d time.Duration, f func()) (ok bool, done <-chan struct{}) {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		f()
	}()
	select {
	case <-ch:
		return true, ch
	case <-time.After(d):
		return false, ch
	}
}

// removeWait is how long (virtual time) removeWhileOpen gives a Remove
// before it takes it for one that waits for the writer's lock: the
// reference's takes well under a second on a network without faults.
const removeWait = 10 * time.Second

// removeWhileOpen removes p through c while another client has it open
// for writing, and closes that writer with closeWriter if the removal waits
// for it. The spec leaves open whether a removal waits for the writer's
// lock. A Remove that returns at once reports true, and the caller checks
// what the writer's Close does then; one that waits must finish once the
// writer has closed, whose Close must succeed (nothing removed the file
// yet), and reports false.
func removeWhileOpen(t *labtest.T, c Client, p string, closeWriter func() error) (returnedAtOnce bool) {
	var err error
	ok, done := returnsWithin(removeWait, func() { err = c.Remove(p) })
	if !ok {
		t.Step(fmt.Sprintf("remove %s waits for the writer's lock: the writer closes first", p))
		if cerr := closeWriter(); cerr != nil {
			t.Fatalf("close of %s while a Remove waits for its lock: %v", p, cerr)
		}
		<-done
	}
	if err != nil {
		t.Fatalf("remove %s: %v", p, err)
	}
	return ok
}

// walk calls visit with every node of the file system tree in the
// coordination service, whether it is a directory, the keys of its
// blocks' copies and its children's names (through the kit), read through
// a session of the test's own.
func (r *rig) walk(visit func(node string, dir bool, copies, kids []string)) {
	conn, err := r.connect()
	if err != nil {
		r.t.Fatalf("connect: %v", err)
	}
	defer conn.Close()
	var walk func(p string)
	walk = func(p string) {
		data, _, err := conn.Get(p)
		if err != nil {
			r.t.Fatalf("get %s: %v", p, err)
		}
		// Through the kit: a port's inodes are the course's.
		dir, copies, err := blockCopies(data, r.cfg.NumReplicas)
		if err != nil {
			r.t.Fatalf("inode of %s: %v", p, err)
		}
		names, _, err := conn.Children(p)
		if err != nil {
			r.t.Fatalf("children of %s: %v", p, err)
		}
		visit(p, dir, copies, names)
		for _, name := range names {
			walk(p + "/" + name)
		}
	}
	walk(fsRoot)
}

// noEntriesUnderFiles fails the test if a file's node has children in
// the coordination service: entries no List shows and no Remove of the
// file can take.
func (r *rig) noEntriesUnderFiles() {
	r.t.Helper()
	r.walk(func(node string, dir bool, _, kids []string) {
		if !dir && len(kids) > 0 {
			r.t.Fatalf("file %s has entries %q", strings.TrimPrefix(node, fsRoot), kids)
		}
	})
}
