package tapestry

import (
	"context"
	"errors"
	"fmt"
)

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives helpers your leave and loop code may use
//solution:end

var errNodeStopped = errors.New("node stopped")

// Leave leaves the mesh gracefully: every backpointer learns that this
// node leaves, with a replacement for its slot where this node knows one,
// the location entries go to the keys' new roots, and the node stops
// (Zhao et al. 2004, §IV-B, voluntary node deletion).
func (local *Node) Leave() error {
	//solution:begin D
	if !local.markStopped() {
		return fmt.Errorf("leave %v: %w", local.Node, errNodeStopped)
	}
	local.Blobstore.DeleteAll()
	var errs []error
	var others []RemoteNode
	for level := 0; level < DIGITS; level++ {
		replacement := local.replacementAt(level)
		for _, b := range local.Backpointers.Get(level) {
			if err := local.notifyLeaveRPC(b, replacement); err != nil {
				continue // b is dead: nothing to tell
			}
			others = append(others, b)
		}
		others = append(others, local.Table.GetLevel(level)...)
	}
	for _, n := range others {
		// A dead node needs no notice.
		_ = local.notifyLeaveRPC(n, nil)
	}
	errs = append(errs, local.handOver(others)...)
	local.shutdown()
	if len(errs) > 0 {
		// The mesh repairs the rest: republish reaches the new roots.
		return fmt.Errorf("leave %v: %w", local.Node, errors.Join(errs...))
	}
	return nil
	//solution:stub
	// // Your code here (D).
	// local.Kill()
	// return nil
	//solution:end
}

//solution:begin D

// replacementAt is a node that can take this node's place in the slot of
// the nodes that hold it at level: one sharing a prefix of length level+1
// with it, the closest the table has.
func (local *Node) replacementAt(level int) *RemoteNode {
	for l := level + 1; l < DIGITS; l++ {
		if nodes := local.Table.GetLevel(l); len(nodes) > 0 {
			return &nodes[0]
		}
	}
	return nil
}

// handOver sends the location entries to the keys' roots without this
// node, found through the first of others that answers.
func (local *Node) handOver(others []RemoteNode) []error {
	data := local.LocationsByKey.TakeAll()
	if len(data) == 0 || len(others) == 0 {
		return nil
	}
	var errs []error
	byRoot := map[RemoteNode]map[string][]RemoteNode{}
	for key, replicas := range data {
		var root RemoteNode
		var err error
		for _, via := range others {
			if root, err = local.findRootVia(via, Hash(key)); err == nil && root.ID != local.Node.ID {
				break
			}
		}
		if err != nil || root.ID == local.Node.ID {
			errs = append(errs, fmt.Errorf("hand over %q: no root found: %v", key, err))
			continue
		}
		if byRoot[root] == nil {
			byRoot[root] = map[string][]RemoteNode{}
		}
		byRoot[root][key] = replicas
	}
	for root, d := range byRoot {
		if err := local.transferRPC(root, d); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

//solution:end

// NotifyLeaveCaller removes a leaving node from this node's table, backpointers
// and location map, and adds its replacement, if any.
func (local *Node) NotifyLeaveCaller(ctx context.Context, n *LeaveNotification) (*Ok, error) {
	//solution:begin D
	from, err := fromNodeMsg(n.GetFrom())
	if err != nil {
		return nil, fmt.Errorf("NotifyLeave: %w", err)
	}
	// The replacement first: it takes the leaver's slot, which removing
	// the leaver then leaves full, with no refill to run.
	if n.GetReplacement() != nil {
		if r, err := fromNodeMsg(n.GetReplacement()); err == nil && r.ID != local.Node.ID && r.ID != from.ID {
			local.addRoute(r)
		}
	}
	local.removeBadNodes([]RemoteNode{from})
	local.LocationsByKey.UnregisterAll(from)
	return &Ok{Ok: true}, nil
	//solution:stub
	// // Your code here (D).
	// return nil, errors.New("NotifyLeave: not implemented")
	//solution:end
}

// Kill stops the node at once, telling no one, as a crash would: the
// server stops, connections close, and every goroutine of the node exits
// before Kill returns.
func (local *Node) Kill() {
	local.markStopped()
	local.Blobstore.DeleteAll()
	local.shutdown()
}

// markStopped marks the node stopped and closes done; it reports whether
// the node was running.
func (local *Node) markStopped() bool {
	local.mu.Lock()
	defer local.mu.Unlock()
	if local.stopped {
		return false
	}
	local.stopped = true
	close(local.done)
	return true
}

// startLoop counts a goroutine the node starts, unless the node stopped.
func (local *Node) startLoop() bool {
	local.mu.Lock()
	defer local.mu.Unlock()
	if local.stopped {
		return false
	}
	local.wg.Add(1)
	return true
}

// shutdown stops the server and the connections and waits for every
// goroutine of the node.
func (local *Node) shutdown() {
	local.server.Stop()
	local.conns.closeAll()
	local.wg.Wait()
}
