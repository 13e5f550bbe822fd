package tapestry

import "sync"

// Backpointers are the nodes that have the local node in their routing
// table, by level (the level at which they hold it): the nodes a joining
// node asks about to fill its table, and the ones a leaving node tells
// (Zhao et al. 2004, §IV-A).
type Backpointers struct {
	local ID

	mu   sync.Mutex
	sets []map[RemoteNode]bool // by level
}

// NewBackpointers returns an empty set for the node local.
func NewBackpointers(local ID) *Backpointers {
	b := &Backpointers{local: local, sets: make([]map[RemoteNode]bool, DIGITS)}
	for i := range b.sets {
		b.sets[i] = map[RemoteNode]bool{}
	}
	return b
}

// Add records that node points at the local node; it reports whether the
// node is new.
func (b *Backpointers) Add(node RemoteNode) bool {
	if node.ID == b.local {
		return false
	}
	level := SharedPrefixLength(b.local, node.ID)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sets[level][node] {
		return false
	}
	b.sets[level][node] = true
	return true
}

// Remove forgets node; it reports whether it was there.
func (b *Backpointers) Remove(node RemoteNode) bool {
	if node.ID == b.local {
		return false
	}
	level := SharedPrefixLength(b.local, node.ID)
	b.mu.Lock()
	defer b.mu.Unlock()
	had := b.sets[level][node]
	delete(b.sets[level], node)
	return had
}

// Get returns the backpointers at level.
func (b *Backpointers) Get(level int) []RemoteNode {
	b.mu.Lock()
	defer b.mu.Unlock()
	var nodes []RemoteNode
	if level < 0 || level >= len(b.sets) {
		return nil
	}
	for n := range b.sets[level] {
		nodes = append(nodes, n)
	}
	sortNodes(nodes)
	return nodes
}
