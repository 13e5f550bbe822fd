package puddlestore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"

	"distlabs/coord"
	"distlabs/labrpc"
	"distlabs/tapestry"
)

// Cluster runs the Tapestry nodes of a PuddleStore, a block server beside
// each, and the collector of dead blocks; the namespace lives in the
// coordination service, which the cluster does not run.
type Cluster struct {
	cfg  Config
	env  Env
	conn coord.Conn // registers the nodes (ephemeral) and runs the collector

	mu      sync.Mutex
	members []*member
	clients int // clients made so far: names their hosts

	done chan struct{} // closed by Shutdown: stops the collector
	wg   sync.WaitGroup
	once sync.Once
}

// member is one Tapestry node with its block server.
type member struct {
	node   *tapestry.Node
	blocks *BlockServer
	lis    net.Listener // the block server's
	reg    string       // its node in nodesNode
	dead   bool
}

// CreateClusterOn starts a cluster of cfg.NumTapestry nodes on env and
// publishes cfg in the coordination service. A service that already holds
// a cluster's tree keeps it (its files stay), but its block size must be
// cfg's.
func CreateClusterOn(cfg Config, env Env) (*Cluster, error) {
	if cfg.BlockSize == 0 || cfg.NumReplicas < 1 || cfg.NumTapestry < 1 {
		return nil, fmt.Errorf("puddlestore: bad config %+v: BlockSize, NumReplicas and NumTapestry must be positive", cfg)
	}
	conn, err := env.Coord()
	if err != nil {
		return nil, fmt.Errorf("puddlestore: open a coordination session: %w", err)
	}
	c := &Cluster{cfg: cfg, env: env, conn: conn, done: make(chan struct{})}
	if err := c.initTree(); err != nil {
		conn.Close()
		return nil, err
	}
	for i := 0; i < cfg.NumTapestry; i++ {
		if err := c.startMember(i); err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.collectLoop()
	}()
	return c, nil
}

// initTree creates the cluster's nodes in the coordination service.
func (c *Cluster) initTree() error {
	data, err := json.Marshal(c.cfg)
	if err != nil {
		return fmt.Errorf("puddlestore: encode config: %w", err)
	}
	if _, err := c.conn.Create(rootNode, data, 0); errors.Is(err, coord.ErrNodeExists) {
		old, err := readConfig(c.conn)
		if err != nil {
			return err
		}
		if old.BlockSize != c.cfg.BlockSize {
			return fmt.Errorf("puddlestore: the service holds a cluster with %d-byte blocks, not %d", old.BlockSize, c.cfg.BlockSize)
		}
		// Its files were stored with its replica count, which the
		// clients read from the service.
		c.cfg.NumReplicas = old.NumReplicas
	} else if err != nil {
		return fmt.Errorf("puddlestore: create %s: %w", rootNode, err)
	}
	inode, err := encodeInode(&inode{Dir: true})
	if err != nil {
		return err
	}
	for _, p := range []struct {
		path string
		data []byte
	}{{fsNode, inode}, {locksNode, nil}, {nodesNode, nil}, {garbageNode, nil}} {
		if _, err := c.conn.Create(p.path, p.data, 0); err != nil && !errors.Is(err, coord.ErrNodeExists) {
			return fmt.Errorf("puddlestore: create %s: %w", p.path, err)
		}
	}
	return nil
}

// readConfig reads the cluster's Config from the service.
func readConfig(conn coord.Conn) (Config, error) {
	data, _, err := conn.Get(rootNode)
	if err != nil {
		return Config{}, fmt.Errorf("puddlestore: read the cluster's config: %w", err)
	}
	var cfg Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Config{}, fmt.Errorf("puddlestore: decode the cluster's config: %w", err)
	}
	return cfg, nil
}

// startMember starts node i, joining through node 0, and registers its
// block server.
func (c *Cluster) startMember(i int) error {
	tl, err := c.env.Listen(i, "tapestry")
	if err != nil {
		return fmt.Errorf("puddlestore: listen for tapestry node %d: %w", i, err)
	}
	host, _, err := net.SplitHostPort(tl.Addr().String())
	if err != nil {
		tl.Close()
		return fmt.Errorf("puddlestore: address of node %d: %w", i, err)
	}
	dial := func(ctx context.Context, addr string) (net.Conn, error) {
		return c.env.Dial(ctx, host, addr)
	}
	via := ""
	c.mu.Lock()
	if len(c.members) > 0 {
		via = c.members[0].node.Node.Address
	}
	c.mu.Unlock()
	node, err := tapestry.StartOn(tapestry.Hash(tl.Addr().String()), tl, via,
		tapestry.WithDialOptions(grpc.WithContextDialer(dial)))
	if err != nil {
		return fmt.Errorf("puddlestore: start tapestry node %d: %w", i, err)
	}
	bl, err := c.env.Listen(i, "blocks")
	if err != nil {
		node.Kill()
		return fmt.Errorf("puddlestore: listen for block server %d: %w", i, err)
	}
	m := &member{node: node, blocks: NewBlockServer(node), lis: bl}
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(m.blocks))
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// Serve returns once the listener closes (kill or Shutdown).
		_ = srv.Serve(bl)
	}()
	m.reg, err = c.conn.Create(nodesNode+"/"+nodePrefix, []byte(bl.Addr().String()), coord.Ephemeral|coord.Sequential)
	if err != nil {
		m.stop()
		return fmt.Errorf("puddlestore: register block server %d: %w", i, err)
	}
	c.mu.Lock()
	c.members = append(c.members, m)
	c.mu.Unlock()
	return nil
}

// stop kills the node and its block server.
func (m *member) stop() {
	m.node.Kill()
	m.lis.Close()
}

// kill stops member i without unregistering it, as a crash would: clients
// find it listed and must fall back to other replicas.
func (c *Cluster) kill(i int) {
	c.mu.Lock()
	m := c.members[i]
	dead := m.dead
	m.dead = true
	c.mu.Unlock()
	if !dead {
		m.stop()
	}
}

// live returns the members not killed.
func (c *Cluster) live() []*member {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*member
	for _, m := range c.members {
		if !m.dead {
			out = append(out, m)
		}
	}
	return out
}

// NewClient opens a client with its own coordination session.
func (c *Cluster) NewClient() (Client, error) {
	c.mu.Lock()
	c.clients++
	host := fmt.Sprintf("client%d", c.clients)
	c.mu.Unlock()
	return Connect(c.env, host)
}

// Shutdown stops the collector and every node, and ends the cluster's
// session (its nodes' registrations go with it). Files stay in the
// coordination service; their blocks are gone with the nodes.
func (c *Cluster) Shutdown() {
	c.once.Do(func() {
		close(c.done)
		c.mu.Lock()
		members := c.members
		c.mu.Unlock()
		for i := range members {
			c.kill(i)
		}
		c.conn.Close()
		c.wg.Wait()
	})
}
