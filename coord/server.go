package coord

import (
	"sync"
	"sync/atomic"

	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

// A Server is one replica of the coordination service.
type Server struct {
	//solution:begin A
	//solution:stub
	// //lint:ignore U1000 guards the state you add (A)
	//solution:end
	mu      sync.Mutex
	me      int
	rf      *raft.Raft
	applyCh chan raft.ApplyMsg
	dead    atomic.Bool // Kill has been called

	// maxraftstate is the Raft state size, in bytes, near which the server
	// snapshots; -1 turns snapshots off.
	maxraftstate int

	//solution:begin A
	rsm   *rsm.RSM      // the log plumbing: propose, wait, apply, snapshot
	done  chan struct{} // closed by Kill: ends the ticker
	state *tree         // the state machine, changed only by the rsm's applier
	//solution:stub
	// // Your definitions here (A).
	//solution:end
}

// Do is the RPC handler of every client request.
func (s *Server) Do(args *OpArgs, reply *OpReply) {
	//solution:begin A
	*reply = s.submit(*args)
	//solution:stub
	// // Your code here (A).
	// reply.Err = ErrWrongLeader
	//solution:end
}

// Kill stops the server: Raft and the server's goroutines exit promptly.
// Kill may be called more than once.
func (s *Server) Kill() {
	//solution:begin A
	if !s.dead.CompareAndSwap(false, true) {
		return
	}
	s.rf.Kill()
	s.rsm.Kill()
	close(s.done)
	//solution:stub
	// s.dead.Store(true)
	// s.rf.Kill()
	// // Your code here, if anything of yours must stop too (A).
	//solution:end
}

// Raft returns the server's Raft peer, which serves the peers' RPCs
// beside the server itself (a test harness registers both).
func (s *Server) Raft() *raft.Raft { return s.rf }

// StartServer starts replica me of the service; servers[me] is this
// server's own end. The persister holds the Raft state and snapshot of a
// previous incarnation, if any. With maxraftstate >= 0 the server
// snapshots when the persisted Raft state approaches maxraftstate bytes;
// -1 disables snapshots. StartServer returns quickly; the work runs in
// goroutines.
func StartServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister, maxraftstate int) *Server {
	// Commands travel through Raft inside an interface value.
	labgob.Register(OpArgs{})
	//solution:begin A
	labgob.Register(tickEntry{})
	//solution:end

	s := new(Server)
	s.me = me
	s.maxraftstate = maxraftstate
	s.applyCh = make(chan raft.ApplyMsg)
	//solution:begin A
	s.done = make(chan struct{})
	s.state = newTree()
	//solution:stub
	// // Your initialization code here (A).
	//solution:end
	s.rf = raft.Make(servers, me, persister, s.applyCh)
	//solution:begin A
	s.rsm = rsm.New(me, s.rf, s.applyCh, machine{s}, maxraftstate, persister.RaftStateSize, persister.ReadSnapshot())
	go s.ticker()
	//solution:end
	return s
}
