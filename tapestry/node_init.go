package tapestry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Node is one member of the mesh: its routing table, backpointers,
// location map (as a root) and blob store (as a publisher), served over
// gRPC as TapestryRPC.
type Node struct {
	UnimplementedTapestryRPCServer

	// Node is this node's ID and address.
	Node RemoteNode
	// Table is the routing table.
	Table *RoutingTable
	// Backpointers are the nodes that route through this one.
	Backpointers *Backpointers
	// LocationsByKey is where, as a root, the node records replicas.
	LocationsByKey *LocationMap
	// Blobstore holds the objects this node stores.
	Blobstore *BlobStore

	server *grpc.Server
	conns  *conns
	done   chan struct{} // closed by Kill and Leave: stops every goroutine
	wg     sync.WaitGroup

	mu      sync.Mutex
	stopped bool
	//solution:begin B
	refilling map[slotKey]bool // slots whose refill is under way
	//solution:end
}

// readBufferSize is the read buffer of each gRPC connection, both ways.
// Tapestry's messages are a few hundred bytes, and a join opens a
// connection to many nodes for one or two calls: gRPC's default of 32 KiB
// a side made these buffers half of all the memory a 256-node mesh
// allocated (a larger frame is read past the buffer, not cut).
const readBufferSize = 2048

// Option changes how StartOn builds a node.
type Option func(*options)

type options struct {
	dial   []grpc.DialOption
	server []grpc.ServerOption
}

// WithDialOptions adds options to the node's gRPC clients, such as a
// context dialer over a simulated network.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) { o.dial = append(o.dial, opts...) }
}

// WithServerOptions adds options to the node's gRPC server, such as an
// interceptor that counts calls.
func WithServerOptions(opts ...grpc.ServerOption) Option {
	return func(o *options) { o.server = append(o.server, opts...) }
}

// Start listens on TCP at port (0 for any) and starts a node whose ID is
// the hash of its address, joining the mesh of the node at connectTo (or
// starting one if connectTo is empty).
func Start(port int, connectTo string) (*Node, error) {
	lis, err := net.Listen("tcp", fmt.Sprintf("localhost:%d", port))
	if err != nil {
		return nil, fmt.Errorf("tapestry: listen on port %d: %w", port, err)
	}
	return StartOn(Hash(lis.Addr().String()), lis, connectTo)
}

// StartOn starts a node with the given ID serving on lis, and joins the
// mesh of the node at connectTo unless it is empty. The node owns lis:
// Kill and Leave close it.
func StartOn(id ID, lis net.Listener, connectTo string, opts ...Option) (*Node, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	me := RemoteNode{ID: id, Address: lis.Addr().String()}
	local := &Node{
		Node:           me,
		Table:          NewRoutingTable(me),
		Backpointers:   NewBackpointers(id),
		LocationsByKey: NewLocationMap(),
		Blobstore:      NewBlobStore(),
		server:         grpc.NewServer(append([]grpc.ServerOption{grpc.ReadBufferSize(readBufferSize)}, o.server...)...),
		conns: &conns{
			opts: append([]grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithReadBufferSize(readBufferSize),
			}, o.dial...),
			byAddr: map[string]*peerConn{},
		},
		done: make(chan struct{}),
	}
	RegisterTapestryRPCServer(local.server, local)
	local.wg.Add(1)
	go func() {
		defer local.wg.Done()
		// Serve returns when Kill or Leave stops the server; its error
		// then says only that.
		local.server.Serve(lis) //nolint:errcheck
	}()
	if connectTo == "" {
		return local, nil
	}
	if err := local.Join(connectTo); err != nil {
		local.Kill()
		return nil, fmt.Errorf("tapestry: %v joins through %s: %w", me, connectTo, err)
	}
	return local, nil
}

// Join adds the local node to the mesh of the node at addr: it finds the
// root of its own ID, which runs the acknowledged multicast (AddNode) and
// answers with the nodes the new one should know; the new node fills its
// table from them and from their backpointers, level by level (Zhao et
// al. 2004, §IV-A, Figure 6).
func (local *Node) Join(addr string) error {
	//solution:begin C
	other, err := local.helloRPC(addr)
	if err != nil {
		return err
	}
	var root RemoteNode
	var neighbors []RemoteNode
	for attempt := 0; ; attempt++ {
		root, err = local.findRootVia(other, local.Node.ID)
		if err == nil && root.ID == local.Node.ID {
			return fmt.Errorf("%w: %v", errIDTaken, root)
		}
		if err == nil {
			neighbors, err = local.addNodeRPC(root)
		}
		if err == nil {
			break
		}
		if attempt+1 >= RETRIES {
			return err
		}
	}
	for _, n := range neighbors {
		local.addRoute(n)
	}
	local.notifyLowerLevels(SharedPrefixLength(root.ID, local.Node.ID))
	return nil
	//solution:stub
	// // Your code here (C).
	// return errors.New("Join: not implemented")
	//solution:end
}

//solution:begin C

// errIDTaken says that a joining node's ID is the ID of a node of the mesh.
var errIDTaken = errors.New("ID taken")

// notifyLowerLevels tells the nodes that share fewer than level digits
// with the new node, and should now hold it, that it exists. At level l
// (below the prefix the root shares), the nodes of the other slots all
// rank the new node's block B (its first l+1 digits) the same way, from
// their side: they want B's SLOTSIZE smallest nodes if their digit is
// smaller, B's largest if larger. So where the new node is one of those,
// a node Z of B that was one of them before has every such node among its
// backpointers at level l, and each of them is asked (GetBackpointers adds
// the asker). The new node's own table is complete (AddNode), so it knows
// every node of B that ranks before it when fewer than SLOTSIZE do.
func (local *Node) notifyLowerLevels(level int) {
	told := map[RemoteNode]bool{}
	for l := level - 1; l >= 0; l-- {
		var below, above []RemoteNode // nodes of B known, by side
		for k := l + 1; k < DIGITS; k++ {
			for _, n := range local.Table.GetLevel(k) {
				if lessID(n.ID, local.Node.ID) {
					below = append(below, n)
				} else {
					above = append(above, n)
				}
			}
		}
		sortNodes(below)
		sortNodes(above)
		var zs []RemoteNode
		if len(below) < SLOTSIZE {
			// Among B's smallest; the old ones: those below, else the next.
			if len(below) > 0 {
				zs = append(zs, below[len(below)-1])
			} else if len(above) > 0 {
				zs = append(zs, above[0])
			}
		}
		if len(above) < SLOTSIZE {
			if len(above) > 0 {
				zs = append(zs, above[0])
			} else if len(below) > 0 {
				zs = append(zs, below[len(below)-1])
			}
		}
		for i, z := range zs {
			if i > 0 && z == zs[0] {
				continue
			}
			bps, err := local.getBackpointersRPC(z, l)
			if err != nil {
				local.removeBadNodes([]RemoteNode{z})
				continue
			}
			for _, m := range bps {
				if told[m] || m.ID == local.Node.ID || SharedPrefixLength(m.ID, local.Node.ID) != l {
					continue
				}
				told[m] = true
				if _, err := local.getBackpointersRPC(m, l); err != nil {
					local.removeBadNodes([]RemoteNode{m})
				}
			}
		}
	}
}

// findRootVia asks remote for the root of id, removing the dead nodes it
// reports.
func (local *Node) findRootVia(remote RemoteNode, id ID) (RemoteNode, error) {
	root, bad, err := local.findRootRPC(remote, id, 0)
	local.removeBadNodes(bad)
	return root, err
}

//solution:end

// HelloCaller answers a joining node with this node's ID and address.
func (local *Node) HelloCaller(ctx context.Context, n *NodeMsg) (*NodeMsg, error) {
	return toNodeMsg(local.Node), nil
}

// AddNodeCaller is the root's part of a join: it starts the acknowledged
// multicast at the new node's shared prefix length and answers with the
// nodes it reached and its own table, which the new node's lower levels
// copy (every node sharing a prefix of length l+1 with the new node has the
// same best nodes at level l).
func (local *Node) AddNodeCaller(ctx context.Context, n *NodeMsg) (*Neighbors, error) {
	//solution:begin C
	node, err := fromNodeMsg(n)
	if err != nil {
		return nil, fmt.Errorf("AddNode: %w", err)
	}
	rsp, err := local.AddNodeMulticastCaller(ctx, &MulticastRequest{NewNode: n, Level: int32(SharedPrefixLength(node.ID, local.Node.ID))})
	if err != nil {
		return nil, err
	}
	for l := 0; l < DIGITS; l++ {
		rsp.Neighbors = append(rsp.Neighbors, toNodeMsgs(local.Table.GetLevel(l))...)
	}
	return rsp, nil
	//solution:stub
	// // Your code here (C).
	// return nil, errors.New("AddNode: not implemented")
	//solution:end
}

// AddNodeMulticastCaller forwards the join of a new node to every node sharing a
// prefix of length level with it, one per slot of this level (each covers
// its own subtree at level+1), waits for their answers (the multicast is
// acknowledged), then adds the new node and hands it the location entries
// it is now the root of. The answer is every node reached.
func (local *Node) AddNodeMulticastCaller(ctx context.Context, req *MulticastRequest) (*Neighbors, error) {
	//solution:begin C
	newNode, err := fromNodeMsg(req.GetNewNode())
	if err != nil {
		return nil, fmt.Errorf("AddNodeMulticast: %w", err)
	}
	level := int(req.GetLevel())
	// level is the length of the prefix whose nodes this node covers: its
	// own first level digits (the sender's prefix of length level-1 and
	// the digit of the slot it found this node in).
	if level < 0 || level > DIGITS {
		return nil, fmt.Errorf("AddNodeMulticast: level %d for %v at %v", level, newNode, local.Node)
	}
	reached := []RemoteNode{local.Node}
	for l := level; l < DIGITS; l++ {
		for d := 0; d < BASE; d++ {
			if Digit(d) == local.Node.ID[l] {
				continue // this node covers its own slot at the next level
			}
			for _, n := range local.Table.Slot(l, Digit(d)) {
				if n.ID == newNode.ID {
					continue
				}
				nodes, err := local.addNodeMulticastRPC(ctx, n, newNode, l+1)
				if err != nil {
					local.removeBadNodes([]RemoteNode{n})
					continue // the next node of the slot covers it
				}
				reached = append(reached, nodes...)
				break
			}
		}
	}
	local.addRoute(newNode)
	if data := local.LocationsByKey.GetTransferRegistrations(local.Node, newNode); len(data) > 0 {
		if err := local.transferRPC(newNode, data); err != nil {
			// The entries stay here; their publishers will register
			// them with the right root at the next republish.
			local.LocationsByKey.RegisterAll(data, TIMEOUT)
		}
	}
	return &Neighbors{Neighbors: toNodeMsgs(reached)}, nil
	//solution:stub
	// // Your code here (C).
	// return nil, errors.New("AddNodeMulticast: not implemented")
	//solution:end
}

// AddBackpointerCaller records that the caller points at this node.
func (local *Node) AddBackpointerCaller(ctx context.Context, n *NodeMsg) (*Ok, error) {
	node, err := fromNodeMsg(n)
	if err != nil {
		return nil, fmt.Errorf("AddBackpointer: %w", err)
	}
	// Under the node's lock, so that once Leave has marked the node
	// stopped no backpointer it would not tell is added: a node that
	// finds this one while it leaves learns that it cannot use it.
	local.mu.Lock()
	defer local.mu.Unlock()
	if local.stopped {
		return nil, status.Errorf(codes.Unavailable, "AddBackpointer: %v is leaving", local.Node)
	}
	local.Backpointers.Add(node)
	return &Ok{Ok: true}, nil
}

// RemoveBackpointerCaller records that the caller no longer points at this node.
func (local *Node) RemoveBackpointerCaller(ctx context.Context, n *NodeMsg) (*Ok, error) {
	node, err := fromNodeMsg(n)
	if err != nil {
		return nil, fmt.Errorf("RemoveBackpointer: %w", err)
	}
	local.Backpointers.Remove(node)
	return &Ok{Ok: true}, nil
}

// GetBackpointersCaller answers with this node's backpointers at a level, and
// adds the asking node to the table (a joining node asks, and may belong
// in it).
func (local *Node) GetBackpointersCaller(ctx context.Context, req *BackpointerRequest) (*Neighbors, error) {
	from, err := fromNodeMsg(req.GetFrom())
	if err != nil {
		return nil, fmt.Errorf("GetBackpointers: %w", err)
	}
	bps := local.Backpointers.Get(int(req.GetLevel()))
	local.addRoute(from)
	return &Neighbors{Neighbors: toNodeMsgs(bps)}, nil
}

// addRoute adds node to the table and keeps backpointers right: the node
// added learns that this one points at it, the one pushed out that it no
// longer does. A node that cannot be told is dead and removed.
func (local *Node) addRoute(node RemoteNode) {
	//solution:begin A
	added, previous := local.Table.Add(node)
	if added {
		if err := local.addBackpointerRPC(node); err != nil {
			local.removeBadNodes([]RemoteNode{node})
		}
	}
	if previous != nil {
		// A failure here leaves a stale backpointer at a node that may
		// be dead; it is harmless (backpointers only suggest nodes).
		_ = local.removeBackpointerRPC(*previous)
	}
	//solution:stub
	// // Your code here (A).
	//solution:end
}
