package chord

import "fmt"

// FingerEntry is one row of a finger table: the successor of Start, where
// Start is FingerStart(n, i, m) for row i. Node is zero until known.
type FingerEntry struct {
	Start []byte
	Node  RemoteNode
}

// Fingers returns a copy of the finger table.
func (n *Node) Fingers() []FingerEntry {
	n.mu.Lock()
	defer n.mu.Unlock()
	//solution:begin B
	return append([]FingerEntry(nil), n.fingers...)
	//solution:stub
	// // Your code here (B).
	// return nil
	//solution:end
}

// closestPrecedingFinger returns the finger of n closest before id, going
// clockwise from n, or n itself if no finger lies in (n, id) (the paper's
// closest_preceding_finger, Stoica et al. 2001).
func (n *Node) closestPrecedingFinger(id []byte) RemoteNode {
	//solution:begin B
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.fingers) - 1; i >= 0; i-- {
		f := n.fingers[i].Node
		if f.valid() && Between(f.Id, n.self.Id, id) {
			return f
		}
	}
	return n.self
	//solution:stub
	// // Your code here (B).
	// return RemoteNode{}
	//solution:end
}

// findSuccessor returns the successor of id and how many times the query
// was forwarded. If id lies in (n, successor] the answer is the successor;
// otherwise the query goes to the closest preceding node known (fingers
// and successor list), which is strictly closer to id, so a lookup always
// ends; a node that does not answer is dropped from the fingers and the
// next closest is asked (the papers' handling of failed lookups).
func (n *Node) findSuccessor(id []byte) (RemoteNode, int, error) {
	//solution:begin B
	n.mu.Lock()
	if len(n.successors) == 0 {
		n.mu.Unlock()
		return RemoteNode{}, 0, fmt.Errorf("find successor at %v: not on a ring", n.self)
	}
	succ := n.successors[0]
	n.mu.Unlock()
	if BetweenRightIncl(id, n.self.Id, succ.Id) {
		return succ, 0, nil
	}
	for _, c := range n.precedingCandidates(id) {
		s, hops, err := n.remoteFindSuccessor(c, id)
		if err == nil {
			return s, hops + 1, nil
		}
		n.forget(c)
	}
	return RemoteNode{}, 0, fmt.Errorf("find successor of %s at %v: %w", IDString(id), n.self, ErrUnreachable)
	//solution:stub
	// // Your code here (B).
	// return RemoteNode{}, 0, nil
	//solution:end
}

//solution:begin B

// precedingCandidates returns the nodes n knows (fingers, then successors)
// that lie in (n, id), closest to id first, each once.
func (n *Node) precedingCandidates(id []byte) []RemoteNode {
	n.mu.Lock()
	known := make([]RemoteNode, 0, len(n.fingers)+len(n.successors))
	for _, f := range n.fingers {
		known = append(known, f.Node)
	}
	known = append(known, n.successors...)
	n.mu.Unlock()
	var out []RemoteNode
	for _, k := range known {
		if !k.valid() || !Between(k.Id, n.self.Id, id) {
			continue
		}
		i := 0
		for i < len(out) && Between(out[i].Id, k.Id, id) {
			i++ // out[i] is closer to id than k
		}
		if i < len(out) && same(out[i], k) {
			continue
		}
		out = append(out[:i], append([]RemoteNode{k}, out[i:]...)...)
	}
	return out
}

// forget drops a node that did not answer from the fingers; fixFingers
// finds their real successors again.
func (n *Node) forget(dead RemoteNode) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := range n.fingers {
		if same(n.fingers[i].Node, dead) {
			n.fingers[i].Node = RemoteNode{}
		}
	}
}

//solution:end

// FixFingers refreshes the next finger that needs a lookup (the paper's
// fix_fingers, one lookup per call). A finger whose start lies in
// (n, previous finger] is the previous finger, at no cost (the init
// shortcut of init_finger_table, Stoica et al. 2001); on a big ring with a small
// population most fingers are the successor, so a round costs about
// log2 N lookups instead of m.
func (n *Node) FixFingers() {
	//solution:begin B
	n.mu.Lock()
	if len(n.successors) == 0 || n.killed {
		n.mu.Unlock()
		return // not on a ring
	}
	i := -1
	for range n.conf.M {
		k := n.nextFinger
		n.nextFinger = (n.nextFinger + 1) % n.conf.M
		if k == 0 {
			n.fingers[0].Node = n.successors[0]
			continue
		}
		prev := n.fingers[k-1].Node
		if prev.valid() && BetweenRightIncl(n.fingers[k].Start, n.self.Id, prev.Id) {
			n.fingers[k].Node = prev
			continue
		}
		i = k
		break
	}
	n.mu.Unlock()
	if i < 0 {
		return
	}
	s, _, err := n.findSuccessor(n.fingers[i].Start)
	if err != nil {
		return // the next round asks again, once stabilisation has repaired the ring
	}
	n.mu.Lock()
	n.fingers[i].Node = s
	n.mu.Unlock()
	//solution:stub
	// // Your code here (B).
	//solution:end
}
