package tapestry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives helpers your routing code may use
//solution:end

// Store keeps value under key on this node and publishes it: the root of
// key's hash learns that this node holds it, again every REPUBLISH until
// the key is removed.
func (local *Node) Store(key string, value []byte) error {
	//solution:begin B
	cancel, err := local.Publish(key)
	if err != nil {
		return err
	}
	local.Blobstore.Put(key, append([]byte(nil), value...), cancel)
	return nil
	//solution:stub
	// // Your code here (B).
	// return errors.New("Store: not implemented")
	//solution:end
}

// Get finds the nodes that hold key (Lookup) and fetches the value from
// the first that answers.
func (local *Node) Get(key string) ([]byte, error) {
	//solution:begin B
	replicas, err := local.Lookup(key)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, r := range replicas {
		data, err := local.blobStoreFetchRPC(r, key)
		if err == nil {
			return data, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("get %q: no replica answered (of %d): %w", key, len(replicas), errors.Join(errs...))
	//solution:stub
	// // Your code here (B).
	// return nil, errors.New("Get: not implemented")
	//solution:end
}

// Remove stops storing and publishing key here; it reports whether this
// node stored it. The root forgets the entry after TIMEOUT.
func (local *Node) Remove(key string) bool {
	//solution:begin B
	return local.Blobstore.Delete(key)
	//solution:stub
	// // Your code here (B).
	// return false
	//solution:end
}

// Publish registers this node as a holder of key with the root of key's
// hash, trying RETRIES times, and then again every REPUBLISH until the
// returned channel is closed (or sent to) or the node stops (Zhao et al.
// 2004, §III-B).
func (local *Node) Publish(key string) (chan bool, error) {
	//solution:begin B
	if err := local.publishOnce(key); err != nil {
		return nil, err
	}
	cancel := make(chan bool)
	if !local.startLoop() {
		return nil, fmt.Errorf("publish %q: %w", key, errNodeStopped)
	}
	go func() {
		defer local.wg.Done()
		ticker := time.NewTicker(REPUBLISH)
		defer ticker.Stop()
		for {
			select {
			case <-cancel:
				return
			case <-local.done:
				return
			case <-ticker.C:
				// A failed republish is tried again at the next tick;
				// the entry lives TIMEOUT, longer than REPUBLISH.
				_ = local.publishOnce(key)
			}
		}
	}()
	return cancel, nil
	//solution:stub
	// // Your code here (B).
	// return nil, errors.New("Publish: not implemented")
	//solution:end
}

//solution:begin B

// publishOnce registers key with its root.
func (local *Node) publishOnce(key string) error {
	err := local.atRoot(key, func(root RemoteNode) (bool, error) {
		return local.registerRPC(root, key)
	})
	if err != nil {
		return fmt.Errorf("publish %q: %w", key, err)
	}
	return nil
}

// atRoot finds the root of key and runs f on it, RETRIES times at most:
// again when routing fails, when f fails (the root is then removed as
// dead) or when f says the node is not the root (the mesh changed).
func (local *Node) atRoot(key string, f func(root RemoteNode) (isRoot bool, err error)) error {
	var err error
	for attempt := 0; attempt < RETRIES; attempt++ {
		var root RemoteNode
		if root, err = local.findRoot(Hash(key)); err != nil {
			continue
		}
		isRoot, ferr := f(root)
		switch {
		case ferr != nil:
			err = ferr
			local.removeBadNodes([]RemoteNode{root})
		case isRoot:
			return nil
		default:
			err = fmt.Errorf("%v is not the root of %q", root, key)
		}
	}
	return err
}

//solution:end

// Lookup returns the nodes that hold key: it finds the root of key's hash
// and fetches the root's location entries, trying RETRIES times.
func (local *Node) Lookup(key string) ([]RemoteNode, error) {
	//solution:begin B
	var replicas []RemoteNode
	err := local.atRoot(key, func(root RemoteNode) (bool, error) {
		isRoot, values, err := local.fetchRPC(root, key)
		replicas = values
		return isRoot, err
	})
	if err != nil {
		return nil, fmt.Errorf("lookup %q: %w", key, err)
	}
	return replicas, nil
	//solution:stub
	// // Your code here (B).
	// return nil, errors.New("Lookup: not implemented")
	//solution:end
}

// findRoot routes from this node to the root of id.
func (local *Node) findRoot(id ID) (RemoteNode, error) {
	rsp, err := local.FindRootCaller(context.Background(), &IdMsg{Id: id.String(), Level: 0})
	if err != nil {
		return RemoteNode{}, err
	}
	return fromNodeMsg(rsp.GetNext())
}

// FindRootCaller routes toward the root of the message's ID from its level on:
// the next hop is asked in turn, and a hop that fails is removed from the
// table and the next best one tried. The answer is the root and every node
// found dead on the way, which the caller removes too (Zhao et al. 2004,
// §III-A: surrogate routing; §IV-C: failed hops).
func (local *Node) FindRootCaller(ctx context.Context, req *IdMsg) (*RootMsg, error) {
	//solution:begin A
	id, err := ParseID(req.GetId())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "FindRoot: %v", err)
	}
	level := int(req.GetLevel())
	if level < 0 || level > DIGITS {
		return nil, status.Errorf(codes.InvalidArgument, "FindRoot: level %d", level)
	}
	var bad []RemoteNode
	for {
		next, l := local.Table.FindNextHop(id, level)
		if next.ID == local.Node.ID {
			return &RootMsg{Next: toNodeMsg(local.Node), ToRemove: toNodeMsgs(bad)}, nil
		}
		if slices.ContainsFunc(bad, func(b RemoteNode) bool { return b.ID == next.ID }) {
			// Removed once and back in the table (or never removed):
			// give up rather than loop; the caller retries.
			return nil, status.Errorf(codes.Unavailable, "FindRoot: %v failed and is still the next hop", next)
		}
		root, more, err := local.findRootRPC(next, id, l+1)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("FindRoot: %w", ctx.Err())
			}
			// Each failure removes a node, so this loop ends.
			bad = append(bad, next)
			local.removeBadNodes([]RemoteNode{next})
			continue
		}
		local.removeBadNodes(more)
		return &RootMsg{Next: toNodeMsg(root), ToRemove: toNodeMsgs(append(bad, more...))}, nil
	}
	//solution:stub
	// // Your code here (A).
	// return nil, errors.New("FindRoot: not implemented")
	//solution:end
}

// isRoot reports whether this node is the root of id: its own table says
// so, or routing from it (which drops dead nodes on the way, such as a
// crashed node its table still holds) ends here.
func (local *Node) isRoot(id ID) bool {
	if next, _ := local.Table.FindNextHop(id, 0); next.ID == local.Node.ID {
		return true
	}
	root, err := local.findRoot(id)
	return err == nil && root.ID == local.Node.ID
}

// RegisterCaller records, if this node is the root of the key, that the caller
// holds it, for TIMEOUT.
func (local *Node) RegisterCaller(ctx context.Context, r *Registration) (*Ok, error) {
	//solution:begin B
	from, err := fromNodeMsg(r.GetFromNode())
	if err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "Register: %v", err)
	}
	if !local.isRoot(Hash(r.GetKey())) {
		return &Ok{Ok: false}, nil
	}
	local.LocationsByKey.Register(r.GetKey(), from, TIMEOUT)
	return &Ok{Ok: true}, nil
	//solution:stub
	// // Your code here (B).
	// return nil, errors.New("Register: not implemented")
	//solution:end
}

// FetchCaller answers, if this node is the root of the key, with the nodes that
// hold it.
func (local *Node) FetchCaller(ctx context.Context, key *Key) (*FetchedLocations, error) {
	//solution:begin B
	if !local.isRoot(Hash(key.GetKey())) {
		return &FetchedLocations{IsRoot: false}, nil
	}
	return &FetchedLocations{IsRoot: true, Values: toNodeMsgs(local.LocationsByKey.Get(key.GetKey()))}, nil
	//solution:stub
	// // Your code here (B).
	// return nil, errors.New("fetch: not implemented")
	//solution:end
}

// TransferCaller takes over location entries from a node that is no longer
// their root (a join moved the root here, or the sender leaves).
func (local *Node) TransferCaller(ctx context.Context, td *TransferData) (*Ok, error) {
	//solution:begin C
	if _, err := fromNodeMsg(td.GetFrom()); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "Transfer: %v", err)
	}
	data := map[string][]RemoteNode{}
	for key, set := range td.GetData() {
		data[key] = fromNodeMsgs(set.GetNeighbors())
	}
	// from is not added to the table: it may be leaving.
	local.LocationsByKey.RegisterAll(data, TIMEOUT)
	return &Ok{Ok: true}, nil
	//solution:stub
	// // Your code here (C).
	// return nil, errors.New("transfer: not implemented")
	//solution:end
}

// RemoveBadNodesCaller removes the given dead nodes from this node's table and
// backpointers.
func (local *Node) RemoveBadNodesCaller(ctx context.Context, ns *Neighbors) (*Ok, error) {
	local.removeBadNodes(fromNodeMsgs(ns.GetNeighbors()))
	return &Ok{Ok: true}, nil
}

// removeBadNodes forgets dead nodes, and refills a slot that one of them
// leaves empty (Zhao et al. 2004, §IV-C: a node repairs its table when it
// finds a neighbour dead, so that a slot is empty only if no node has its
// prefix and every ID keeps one root).
func (local *Node) removeBadNodes(bad []RemoteNode) {
	//solution:begin B
	for _, n := range bad {
		if n.ID == local.Node.ID {
			continue
		}
		local.Backpointers.Remove(n)
		if local.Table.Remove(n) {
			local.refill(n)
		}
	}
	//solution:stub
	// // Your code here (B).
	//solution:end
}

//solution:begin B

// refill looks for a node for the slot that dead left, if it is empty
// now: first among the backpointers (a node of the slot's prefix that
// holds this one), then by asking nodes of the same row, which share the
// prefix of the row and so have the slot's prefix in a slot of their own,
// to route toward an ID of the slot's prefix from that level (each of
// them refills its own slot first if it finds the same nodes dead: the
// nodes on one side of a block all hold the same closest ones). A node
// found is added as a join adds one (it is told it is pointed at); one
// that cannot be told is dead or leaving and is passed over.
func (local *Node) refill(dead RemoteNode) {
	level := SharedPrefixLength(local.Node.ID, dead.ID)
	if level == DIGITS {
		return
	}
	d := dead.ID[level]
	if len(local.Table.Slot(level, d)) > 0 || !local.startRefill(level, d) {
		return
	}
	defer local.endRefill(level, d)
	inSlot := func(n RemoteNode) bool {
		return n.ID != dead.ID && n.ID != local.Node.ID &&
			SharedPrefixLength(local.Node.ID, n.ID) == level && n.ID[level] == d
	}
	var candidates []RemoteNode
	for _, b := range local.Backpointers.Get(level) {
		if inSlot(b) {
			candidates = append(candidates, b)
		}
	}
	if local.tryRefill(candidates) {
		return
	}
	// The ID of the slot's prefix nearest this node's: its root there is
	// among the slot's closest nodes.
	target := local.Node.ID
	target[level] = d
	var row []RemoteNode
	for l := level; l < DIGITS; l++ {
		row = append(row, local.Table.GetLevel(l)...)
	}
	for _, y := range row {
		root, more, err := local.findRootRPC(y, target, level)
		if err != nil {
			local.removeBadNodes([]RemoteNode{y})
			continue
		}
		local.removeBadNodes(more)
		if inSlot(root) && local.tryRefill([]RemoteNode{root}) {
			return
		}
	}
}

// tryRefill adds the first of candidates that accepts the backpointer;
// it reports whether one did.
func (local *Node) tryRefill(candidates []RemoteNode) bool {
	for _, c := range candidates {
		added, previous := local.Table.Add(c)
		if !added {
			// c is there already, or the slot filled meanwhile with
			// closer nodes: nothing to repair.
			return true
		}
		if previous != nil {
			// As in addRoute: a failure leaves a harmless stale
			// backpointer.
			_ = local.removeBackpointerRPC(*previous)
		}
		if err := local.addBackpointerRPC(c); err != nil {
			local.Table.Remove(c)
			local.Backpointers.Remove(c)
			continue
		}
		return true
	}
	return false
}

// startRefill marks the slot (level, d) as being refilled, unless it is
// already: a refill asks other nodes, whose own refills may ask this one.
func (local *Node) startRefill(level int, d Digit) bool {
	local.mu.Lock()
	defer local.mu.Unlock()
	key := slotKey{level, d}
	if local.refilling[key] {
		return false
	}
	if local.refilling == nil {
		local.refilling = map[slotKey]bool{}
	}
	local.refilling[key] = true
	return true
}

// endRefill ends what startRefill began.
func (local *Node) endRefill(level int, d Digit) {
	local.mu.Lock()
	defer local.mu.Unlock()
	delete(local.refilling, slotKey{level, d})
}

// slotKey names a slot of the routing table.
type slotKey struct {
	level int
	digit Digit
}

//solution:end

// BlobStoreFetchCaller answers with the value this node stores under the key.
func (local *Node) BlobStoreFetchCaller(ctx context.Context, key *Key) (*DataBlob, error) {
	data, ok := local.Blobstore.Get(key.GetKey())
	if !ok {
		return nil, status.Errorf(codes.NotFound, "no blob %q at %v", key.GetKey(), local.Node)
	}
	return &DataBlob{Key: key.GetKey(), Data: data}, nil
}
