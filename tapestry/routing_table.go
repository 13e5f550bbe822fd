package tapestry

import (
	"sync"
)

// RemoteNode is another node of the mesh: its ID and the address of its
// gRPC server.
type RemoteNode struct {
	ID      ID
	Address string
}

// String is the node's ID and address, for messages.
func (n RemoteNode) String() string { return n.ID.String() + "@" + n.Address }

// RoutingTable is a node's prefix-routing table: at level l, slot d holds up
// to SLOTSIZE nodes that share the first l digits with the local node and
// have digit d next, closest to the local node first. The local node sits
// alone in its own slot of every level (Zhao et al. 2004, §III-A).
type RoutingTable struct {
	local RemoteNode

	mu   sync.Mutex
	rows [][][]RemoteNode // [level][digit] -> closest first
}

// NewRoutingTable returns the table of me: me in its own slot of every
// level, every other slot empty.
func NewRoutingTable(me RemoteNode) *RoutingTable {
	t := &RoutingTable{local: me, rows: make([][][]RemoteNode, DIGITS)}
	for l := range t.rows {
		t.rows[l] = make([][]RemoteNode, BASE)
		t.rows[l][me.ID[l]] = []RemoteNode{me}
	}
	return t
}

// Add puts node in its slot if the slot has room or node is closer to the
// local node than one it holds. It reports whether node was added and,
// when that pushed a node out of the full slot, which one.
func (t *RoutingTable) Add(node RemoteNode) (added bool, previous *RemoteNode) {
	//solution:begin A
	if node.ID == t.local.ID {
		return false, nil
	}
	level := SharedPrefixLength(t.local.ID, node.ID)
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := t.rows[level][node.ID[level]]
	i := 0
	for ; i < len(slot); i++ {
		if slot[i].ID == node.ID {
			// Known already (perhaps at a new address: keep the newest).
			slot[i] = node
			return false, nil
		}
		if t.local.ID.Closer(node.ID, slot[i].ID) {
			break
		}
	}
	if i == SLOTSIZE {
		return false, nil
	}
	slot = append(slot, RemoteNode{})
	copy(slot[i+1:], slot[i:])
	slot[i] = node
	if len(slot) > SLOTSIZE {
		out := slot[SLOTSIZE]
		previous = &out
		slot = slot[:SLOTSIZE]
	}
	t.rows[level][node.ID[level]] = slot
	return true, previous
	//solution:stub
	// // Your code here (A).
	// return false, nil
	//solution:end
}

// Remove takes node out of the table and reports whether it was there. The
// local node is never removed.
func (t *RoutingTable) Remove(node RemoteNode) bool {
	//solution:begin A
	if node.ID == t.local.ID {
		return false
	}
	level := SharedPrefixLength(t.local.ID, node.ID)
	t.mu.Lock()
	defer t.mu.Unlock()
	slot := t.rows[level][node.ID[level]]
	for i := range slot {
		if slot[i].ID == node.ID {
			t.rows[level][node.ID[level]] = append(slot[:i:i], slot[i+1:]...)
			return true
		}
	}
	return false
	//solution:stub
	// // Your code here (A).
	// return false
	//solution:end
}

// GetLevel returns every node of the table at level, the local node aside.
func (t *RoutingTable) GetLevel(level int) []RemoteNode {
	//solution:begin A
	t.mu.Lock()
	defer t.mu.Unlock()
	var nodes []RemoteNode
	for _, slot := range t.rows[level] {
		for _, n := range slot {
			if n.ID != t.local.ID {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes
	//solution:stub
	// // Your code here (A).
	// return nil
	//solution:end
}

// Slot returns a copy of the nodes of slot digit at level, closest first.
func (t *RoutingTable) Slot(level int, digit Digit) []RemoteNode {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]RemoteNode(nil), t.rows[level][digit]...)
}

// FindNextHop returns the next hop toward the root of id, looking from
// level on: at each level the slot of id's digit, or with surrogate
// routing the next non-empty slot after it (wrapping around), and its
// closest node. Where that node is the local node, routing goes on at the
// next level; the answer is the first other node found and its level, or
// the local node and DIGITS when the local node is the root.
func (t *RoutingTable) FindNextHop(id ID, level int) (RemoteNode, int) {
	//solution:begin A
	t.mu.Lock()
	defer t.mu.Unlock()
	for ; level < DIGITS; level++ {
		for k := 0; k < BASE; k++ {
			slot := t.rows[level][(int(id[level])+k)%BASE]
			if len(slot) == 0 {
				continue
			}
			if slot[0].ID != t.local.ID {
				return slot[0], level
			}
			break // the local node's own slot: route on one level down
		}
	}
	return t.local, DIGITS
	//solution:stub
	// // Your code here (A).
	// return t.local, DIGITS
	//solution:end
}
