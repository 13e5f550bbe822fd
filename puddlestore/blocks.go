package puddlestore

import (
	"fmt"
	"sort"
	"sync"

	"distlabs/tapestry"
)

// BlockServer gives clients a Tapestry node's object store over labrpc:
// Store keeps blocks on the node and publishes them in the mesh, Get finds
// a block anywhere in the mesh through the node, and Delete drops blocks
// the node holds. Tapestry's own RPCs are node to node; a client that is
// no node reaches the mesh through this service.
type BlockServer struct {
	node *tapestry.Node

	mu   sync.Mutex
	held map[string]bool // keys stored here and not deleted: what the collector is measured by
}

// Block is one salted copy of a block: its Tapestry key and its bytes.
type Block struct {
	Key  string
	Data []byte
}

// StoreArgs are the blocks for this node to store.
type StoreArgs struct{ Blocks []Block }

// StoreReply says what failed, if anything.
type StoreReply struct{ Err string }

// GetArgs name one key to find in the mesh.
type GetArgs struct{ Key string }

// GetReply carries the block, or why it was not found.
type GetReply struct {
	Data []byte
	Err  string
}

// DeleteArgs name keys to drop if this node holds them.
type DeleteArgs struct{ Keys []string }

// DeleteReply counts the keys this node held and dropped.
type DeleteReply struct{ Deleted int }

// NewBlockServer serves node's objects.
func NewBlockServer(node *tapestry.Node) *BlockServer {
	return &BlockServer{node: node, held: map[string]bool{}}
}

// Store stores and publishes each block on this node.
func (s *BlockServer) Store(args *StoreArgs, reply *StoreReply) {
	for _, b := range args.Blocks {
		if err := s.node.Store(b.Key, b.Data); err != nil {
			reply.Err = fmt.Sprintf("store %q on %v: %v", b.Key, s.node.Node, err)
			return
		}
		s.mu.Lock()
		s.held[b.Key] = true
		s.mu.Unlock()
	}
}

// Get looks key up in the mesh and fetches it from a holder.
func (s *BlockServer) Get(args *GetArgs, reply *GetReply) {
	data, err := s.node.Get(args.Key)
	if err != nil {
		reply.Err = err.Error()
		return
	}
	reply.Data = data
}

// Delete stops storing and publishing the keys this node holds.
func (s *BlockServer) Delete(args *DeleteArgs, reply *DeleteReply) {
	for _, k := range args.Keys {
		if s.node.Remove(k) {
			reply.Deleted++
		}
		s.mu.Lock()
		delete(s.held, k)
		s.mu.Unlock()
	}
}

// Held returns the keys this node stores, sorted.
func (s *BlockServer) Held() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.held))
	for k := range s.held {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
