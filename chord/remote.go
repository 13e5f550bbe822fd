package chord

import "fmt"

// The caller's side of the RPC surface: one method per RPC, each returning
// an error (wrapping ErrUnreachable) when no reply came. A lost reply and
// a dead node look the same; the callers decide what to retry.

//solution:begin
//solution:stub
// //lint:file-ignore U1000 the handout gives every RPC's caller, used or not
//solution:end

// call sends one RPC to r and reports a missing reply as an error.
func (n *Node) call(r RemoteNode, method string, args, reply any) error {
	if !n.end(r.Addr).Call("NodeRPCServer."+method, args, reply) {
		return fmt.Errorf("%s to %v: %w", method, r, ErrUnreachable)
	}
	return nil
}

// remoteGetPredecessorId asks r for its predecessor and successor list.
func (n *Node) remoteGetPredecessorId(r RemoteNode) (IdReply, error) {
	var reply IdReply
	err := n.call(r, "GetPredecessorId", &RemoteId{Id: r.Id}, &reply)
	return reply, err
}

// remoteGetSuccessorId asks r for its first successor.
func (n *Node) remoteGetSuccessorId(r RemoteNode) (RemoteNode, error) {
	var reply IdReply
	if err := n.call(r, "GetSuccessorId", &RemoteId{Id: r.Id}, &reply); err != nil {
		return RemoteNode{}, err
	}
	return RemoteNode{Id: reply.Id, Addr: reply.Addr}, nil
}

// remoteSetPredecessorId tells r that its predecessor is now p.
func (n *Node) remoteSetPredecessorId(r, p RemoteNode) error {
	return n.call(r, "SetPredecessorId", &UpdateReq{Id: r.Id, Update: p}, &RpcOkay{})
}

// remoteSetSuccessorId tells r that its successor is now s, followed by
// the nodes of list.
func (n *Node) remoteSetSuccessorId(r, s RemoteNode, list []RemoteNode) error {
	return n.call(r, "SetSuccessorId", &UpdateReq{Id: r.Id, Update: s, Successors: list}, &RpcOkay{})
}

// remoteFindSuccessor asks r for the successor of id and the hops it took.
func (n *Node) remoteFindSuccessor(r RemoteNode, id []byte) (RemoteNode, int, error) {
	var reply FindReply
	err := n.call(r, "FindSuccessor", &RemoteQuery{Id: r.Id, Query: id}, &reply)
	return reply.Node, reply.Hops, err
}

// remoteNotify tells r that n may be its predecessor, asking for the keys
// it would take over if wantKeys.
func (n *Node) remoteNotify(r RemoteNode, wantKeys bool) (NotifyReply, error) {
	var reply NotifyReply
	err := n.call(r, "Notify", &NotifyReq{Id: r.Id, Node: n.self, WantKeys: wantKeys}, &reply)
	return reply, err
}

// remoteGet asks r for the value of key.
func (n *Node) remoteGet(r RemoteNode, key string) (KeyValueReply, error) {
	var reply KeyValueReply
	err := n.call(r, "Get", &KeyValueReq{Id: r.Id, Key: key}, &reply)
	return reply, err
}

// remotePut asks r to store value under key.
func (n *Node) remotePut(r RemoteNode, key, value string) (KeyValueReply, error) {
	var reply KeyValueReply
	err := n.call(r, "Put", &KeyValueReq{Id: r.Id, Key: key, Value: value}, &reply)
	return reply, err
}

// remoteTransferKeys pushes entries to r; with a range (lo, hi] (an
// owner's push) it returns r's newer copies of keys in the range.
func (n *Node) remoteTransferKeys(r RemoteNode, entries map[string]Entry, lo, hi []byte) (map[string]Entry, error) {
	var reply TransferReply
	err := n.call(r, "TransferKeys", &TransferReq{Id: r.Id, From: n.self, Entries: entries, Lo: lo, Hi: hi}, &reply)
	return reply.Newer, err
}
