package chord

import (
	"bytes"
	"fmt"
)

// The RPC surface, with the course's names (CS 138 Chord). Nodes call
// each other through labrpc as "NodeRPCServer.<Method>". Every request
// names the node it is for (its ID), so a request that reaches another
// node at a reused address is refused; a handler refuses (answers with no
// reply, as a net/rpc error does) any request it cannot make sense of, and
// never crashes on one.
//
// The GetPredecessorId reply carries the node's successor list as well, so
// one round trip serves stabilisation (Zave's stabilize reads both); the
// Notify reply carries the keys a new predecessor takes over.

// RemoteId is a request that names only its target.
type RemoteId struct {
	Id []byte // the node the request is for
}

// IdReply names a node, or no node (Valid false).
type IdReply struct {
	Id    []byte
	Addr  string
	Valid bool
	// Successors is the replier's successor list (GetPredecessorId only).
	Successors []RemoteNode
}

// UpdateReq asks node Id to set its predecessor or successor to Update.
// A leaving node setting its predecessor's successor also sends its own
// successor list (Successors), which the predecessor takes whole, so that
// its list stays R long.
type UpdateReq struct {
	Id         []byte
	Update     RemoteNode
	Successors []RemoteNode
}

// RpcOkay is the reply of requests that only succeed or fail.
type RpcOkay struct {
	Ok bool
}

// RemoteQuery asks node Id about the point Query of the ring.
type RemoteQuery struct {
	Id    []byte
	Query []byte
}

// FindReply answers FindSuccessor: the successor of the query and how many
// times the lookup was forwarded to reach the node that knew it.
type FindReply struct {
	Node RemoteNode
	Hops int
}

// NotifyReq tells node Id that Node believes it is its predecessor.
// WantKeys asks for the keys Node takes over if Id accepts it.
type NotifyReq struct {
	Id       []byte
	Node     RemoteNode
	WantKeys bool
}

// NotifyReply says whether the notified node now has Node as its
// predecessor and, if WantKeys, carries every entry it holds that is not
// in (Node, Id]: the keys Node now owns, and copies it may replicate.
type NotifyReply struct {
	Accepted bool
	Entries  map[string]Entry
}

// Entry is a value of the store with the version its owner gave it: a
// copy replaces another only if it is newer.
type Entry struct {
	Value   string
	Version uint64
}

// KeyValueReq asks node Id to get or put Key.
type KeyValueReq struct {
	Id    []byte
	Key   string
	Value string
}

// Errors a key/value reply may carry.
const (
	OK            = ""
	ErrNoKey      = "ErrNoKey"      // the owner has no value for the key
	ErrWrongNode  = "ErrWrongNode"  // the node does not own the key
	ErrNotReady   = "ErrNotReady"   // the node has not received its keys yet
	ErrBadRequest = "ErrBadRequest" // the request made no sense
)

// KeyValueReply answers a KeyValueReq.
type KeyValueReply struct {
	Value string
	Err   string
}

// TransferReq pushes entries to node Id: a leaving node's keys to its
// successor, or an owner's keys to the successors that replicate them.
// An owner's push also names its range (Lo, Hi]: the receiver answers the
// copies it holds in that range that are newer than the pushed ones (or
// missing from them), so an owner whose range just grew learns the last
// version of the keys it took over.
type TransferReq struct {
	Id      []byte
	From    RemoteNode
	Entries map[string]Entry
	Lo, Hi  []byte // the owner's range; nil: not an owner's push
}

// TransferReply answers a TransferReq with the newer copies asked for.
type TransferReply struct {
	Ok    bool
	Newer map[string]Entry
}

// NodeRPCServer is the RPC service of one node.
type NodeRPCServer struct {
	node *Node
}

// check refuses a request that is not for this node (wrong or malformed
// ID) or reaches a killed node.
func (s *NodeRPCServer) check(id []byte) error {
	n := s.node
	if !bytes.Equal(id, n.self.Id) {
		return fmt.Errorf("request for %s reached %v", IDString(id), n.self)
	}
	if n.dead() {
		return ErrKilled
	}
	return nil
}

// validID reports whether id is an ID of this node's ring.
func (s *NodeRPCServer) validID(id []byte) bool { return len(id) == IDBytes(s.node.conf.M) }

// GetPredecessorId answers the node's predecessor (if any) and its
// successor list.
func (s *NodeRPCServer) GetPredecessorId(req *RemoteId, reply *IdReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	p, ok := s.node.Predecessor()
	reply.Id, reply.Addr, reply.Valid = p.Id, p.Addr, ok
	reply.Successors = s.node.Successors()
	return nil
}

// GetSuccessorId answers the node's first successor.
func (s *NodeRPCServer) GetSuccessorId(req *RemoteId, reply *IdReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if succ := s.node.Successors(); len(succ) > 0 {
		reply.Id, reply.Addr, reply.Valid = succ[0].Id, succ[0].Addr, true
	}
	return nil
}

// SetPredecessorId sets the node's predecessor (a leaving predecessor
// names its own).
func (s *NodeRPCServer) SetPredecessorId(req *UpdateReq, reply *RpcOkay) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if !s.validID(req.Update.Id) {
		return fmt.Errorf("SetPredecessorId: bad ID %x", req.Update.Id)
	}
	reply.Ok = s.node.setPredecessor(req.Update)
	return nil
}

// SetSuccessorId sets the node's first successor (a leaving successor
// names its own).
func (s *NodeRPCServer) SetSuccessorId(req *UpdateReq, reply *RpcOkay) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if !s.validID(req.Update.Id) {
		return fmt.Errorf("SetSuccessorId: bad ID %x", req.Update.Id)
	}
	reply.Ok = s.node.setSuccessor(req.Update, req.Successors)
	return nil
}

// FindSuccessor answers the successor of req.Query, forwarding the query
// along the fingers as needed.
func (s *NodeRPCServer) FindSuccessor(req *RemoteQuery, reply *FindReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if !s.validID(req.Query) {
		return fmt.Errorf("FindSuccessor: bad ID %x", req.Query)
	}
	succ, hops, err := s.node.findSuccessor(req.Query)
	if err != nil {
		return err
	}
	reply.Node, reply.Hops = succ, hops
	return nil
}

// ClosestPrecedingFinger answers the finger of the node that most closely
// precedes req.Query (the node itself if none does).
func (s *NodeRPCServer) ClosestPrecedingFinger(req *RemoteQuery, reply *IdReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if !s.validID(req.Query) {
		return fmt.Errorf("ClosestPrecedingFinger: bad ID %x", req.Query)
	}
	f := s.node.closestPrecedingFinger(req.Query)
	reply.Id, reply.Addr, reply.Valid = f.Id, f.Addr, f.valid()
	return nil
}

// Notify tells the node that req.Node may be its predecessor.
func (s *NodeRPCServer) Notify(req *NotifyReq, reply *NotifyReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if !s.validID(req.Node.Id) {
		return fmt.Errorf("notify: bad ID %x", req.Node.Id)
	}
	reply.Accepted, reply.Entries = s.node.notify(req.Node, req.WantKeys)
	return nil
}

// Get answers the value of req.Key if the node owns it.
func (s *NodeRPCServer) Get(req *KeyValueReq, reply *KeyValueReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	reply.Value, reply.Err = s.node.localGet(req.Key)
	return nil
}

// Put stores req.Value under req.Key if the node owns it, and copies it to
// the successors that replicate it before answering.
func (s *NodeRPCServer) Put(req *KeyValueReq, reply *KeyValueReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	reply.Err = s.node.localPut(req.Key, req.Value)
	return nil
}

// TransferKeys merges the entries pushed to the node (each replaces the
// node's copy if it is newer) and answers the node's newer copies in the
// pusher's range, if it named one.
func (s *NodeRPCServer) TransferKeys(req *TransferReq, reply *TransferReply) error {
	if err := s.check(req.Id); err != nil {
		return err
	}
	if req.Lo != nil && (!s.validID(req.Lo) || !s.validID(req.Hi)) {
		return fmt.Errorf("TransferKeys: bad range (%x, %x]", req.Lo, req.Hi)
	}
	reply.Newer = s.node.merge(req.Entries, req.Lo, req.Hi)
	reply.Ok = true
	return nil
}
