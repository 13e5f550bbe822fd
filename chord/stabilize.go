package chord

import "time"

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives helpers your maintenance code may use
//solution:end

// Stabilize runs one round of stabilisation: it repairs the successor
// list and notifies the first successor (stabilizeRing), then copies the
// keys the node owns to its replicas (replicate). The node runs it every
// StabilizeInterval; tests also call it by hand to script a schedule.
func (n *Node) Stabilize() {
	//solution:begin B
	n.stabilizeRing()
	n.replicate()
	//solution:stub
	// // Your code here (B).
	//solution:end
}

//solution:begin B

// maintain runs the periodic tasks until Kill: stabilize (and the
// replication of owned keys that rides on it), fix fingers and check
// predecessor, each on its own period. One goroutine per node does all
// three, so a node never runs two of them at once.
func (n *Node) maintain() {
	defer n.wg.Done()
	stab := time.NewTicker(n.conf.StabilizeInterval)
	defer stab.Stop()
	fix := time.NewTicker(n.conf.FixFingersInterval)
	defer fix.Stop()
	check := time.NewTicker(n.conf.CheckPredecessorInterval)
	defer check.Stop()
	for {
		select {
		case <-n.done:
			return
		case <-stab.C:
			n.Stabilize()
		case <-fix.C:
			n.FixFingers()
		case <-check.C:
			n.CheckPredecessor()
		}
	}
}

// stabilizeRing is Zave's corrected stabilisation ("Reasoning about identifier
// spaces", TSE 2017):
//   - ask the first successor that answers for its predecessor and
//     successor list (dead successors are skipped: the list has R entries
//     so that one always answers);
//   - adopt the successor's list, prefixed by the successor;
//   - if the successor's predecessor p lies between n and the successor,
//     p becomes the first successor, but only if p answers (the original
//     pseudo-code adopted p unchecked, and a dead p then cut n off the
//     ring: Zave, "Using lightweight modeling to understand Chord", CCR
//     2012), and n takes p's list;
//   - notify the (new) first successor.
func (n *Node) stabilizeRing() {
	for _, s := range n.Successors() {
		st, err := n.remoteGetPredecessorId(s)
		if err != nil {
			//solution:end
			//solution:begin C
			continue // dead or gone: the next entry of the list takes its place
			//solution:end
			//solution:begin B
		}
		list := append([]RemoteNode{s}, st.Successors...)
		p := RemoteNode{Id: st.Id, Addr: st.Addr}
		if st.Valid && Between(p.Id, n.self.Id, s.Id) {
			if pst, err := n.remoteGetPredecessorId(p); err == nil {
				list = append([]RemoteNode{p}, pst.Successors...)
			}
		}
		n.mu.Lock()
		if n.killed {
			n.mu.Unlock()
			return
		}
		n.setSuccessorsLocked(list)
		first, ready := n.successors[0], n.ready
		n.mu.Unlock()
		n.notifySuccessor(first, !ready)
		return
	}
}

// notifySuccessor notifies succ; a node that does not hold its keys yet
// asks for them, and holds them once succ has taken it as predecessor.
func (n *Node) notifySuccessor(succ RemoteNode, wantKeys bool) {
	reply, err := n.remoteNotify(succ, wantKeys)
	if err != nil || !reply.Accepted || !wantKeys {
		return // not accepted yet: the next round notifies again
	}
	n.merge(reply.Entries, nil, nil)
	n.mu.Lock()
	n.ready = true
	n.mu.Unlock()
}

//solution:end

// CheckPredecessor clears the predecessor if it does not answer, so that
// the next node to notify takes its place (the paper's
// check_predecessor, Stoica et al. 2003).
//
// It belongs to part C: once nodes leave, a successor whose leaving
// predecessor could not name its own (none known yet) keeps pointing at a
// node that is gone, and only this check lets the next notify through.
func (n *Node) CheckPredecessor() {
	//solution:begin C
	p, ok := n.Predecessor()
	if !ok || same(p, n.self) {
		return
	}
	if _, err := n.remoteGetSuccessorId(p); err == nil {
		return
	}
	n.mu.Lock()
	if same(n.predecessor, p) {
		n.predecessor = RemoteNode{}
		n.rangeGrewLocked()
	}
	n.mu.Unlock()
	//solution:stub
	// // Your code here (C).
	//solution:end
}

// rangeGrewLocked notes that the node's range grew over a failed
// predecessor's: with keys replicated (part D) it serves nothing until
// replicate has brought back the newest copy of every key it took over.
// Caller holds mu.
func (n *Node) rangeGrewLocked() {
	//solution:begin D
	n.syncing = true
	//solution:stub
	// // Your code here (D).
	//solution:end
}

// setPredecessor sets the predecessor to p, on the word of a leaving
// predecessor.
func (n *Node) setPredecessor(p RemoteNode) bool {
	//solution:begin B
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.killed {
		return false
	}
	n.predecessor = p
	return true
	//solution:stub
	// // Your code here (B).
	// return false
	//solution:end
}

// setSuccessor makes s the first successor, on the word of a leaving
// successor, followed by the leaving node's list (from s on) or, without
// one, by the node's own list after s; stabilize refreshes it.
func (n *Node) setSuccessor(s RemoteNode, list []RemoteNode) bool {
	//solution:begin B
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.killed || len(n.successors) == 0 {
		return false
	}
	if len(list) == 0 {
		list = n.successors[1:]
	}
	for len(list) > 0 && !same(list[0], s) && Between(list[0].Id, n.self.Id, s.Id) {
		list = list[1:] // at or before the leaving node
	}
	if len(list) > 0 && same(list[0], s) {
		list = list[1:]
	}
	n.setSuccessorsLocked(append([]RemoteNode{s}, list...))
	return true
	//solution:stub
	// // Your code here (B).
	// return false
	//solution:end
}

// notify is the successor's half (Zave's rectify): cand becomes the
// predecessor if there is none or it lies between the predecessor and n.
// If cand is the predecessor afterwards and wantKeys, the reply carries
// every entry not in (cand, n], copied under the same lock that made cand
// the owner, so no Put that n acknowledged afterwards is missing from it
// (n refuses those keys from then on).
func (n *Node) notify(cand RemoteNode, wantKeys bool) (bool, map[string]Entry) {
	//solution:begin B
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.killed {
		return false, nil
	}
	p := n.predecessor
	if !p.valid() || Between(cand.Id, p.Id, n.self.Id) {
		n.predecessor = cand
	}
	if !same(n.predecessor, cand) {
		return false, nil
	}
	if !wantKeys {
		return true, nil
	}
	out := map[string]Entry{}
	for k, e := range n.store {
		if !BetweenRightIncl(HashKey(k, n.conf.M), cand.Id, n.self.Id) {
			out[k] = e
		}
	}
	return true, out
	//solution:stub
	// // Your code here (B).
	// return false, nil
	//solution:end
}
