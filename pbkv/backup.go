//solution:file B

package pbkv

import "maps"

// Forward is the backup's handler of the primary's forwarded operations. It
// accepts only the primary of its own view, once that view's state transfer
// has arrived; a Get is confirmed, not answered (the primary reads its own
// store, which equals ours).
func (pb *PBServer) Forward(args *ForwardArgs, reply *ForwardReply) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	v := pb.view
	if args.Viewnum != v.Viewnum || v.Backup != pb.me || v.Primary != args.From || pb.synced != v.Viewnum || pb.promoted {
		reply.Err = ErrWrongServer
		return
	}
	switch args.Op {
	case opPut, opAppend:
		pb.applyLocked(args.Op, args.Key, args.Value, args.ClientID, args.Seq)
	case opGet:
	default:
		reply.Err = ErrBadOp
		return
	}
	reply.Err = OK
}

// Transfer installs the primary's complete state for args.View, which must
// name this server backup and the sender primary, and not be older than the
// view this server acts on. Views come only from the view service and one
// number names one view, so a relayed view can be trusted.
func (pb *PBServer) Transfer(args *TransferArgs, reply *TransferReply) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	v := args.View
	if v.Backup != pb.me || v.Primary != args.From || v.Viewnum < pb.view.Viewnum || v.Viewnum == 0 {
		reply.Err = ErrWrongServer
		return
	}
	pb.view, pb.promoted = v, false
	pb.store = maps.Clone(args.Store)
	pb.seen = maps.Clone(args.Seen)
	if pb.store == nil {
		pb.store = map[string]string{}
	}
	if pb.seen == nil {
		pb.seen = map[int64]int64{}
	}
	pb.synced = v.Viewnum
	reply.Err = OK
}
