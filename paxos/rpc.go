package paxos

// The RPC wire contract. Peers call each other through labrpc as
// "Paxos.Prepare", "Paxos.Accept" and "Paxos.Decided" with the types below.
// The names follow "Paxos Made Simple": a prepare request with proposal
// number N, the acceptor's highest promise Np, and the proposal it accepted
// last (Na, Va).
//
// Every message carries the sender's Done value (and every reply the
// replier's), so Min advances without extra messages.
//
// The targeted tests (bugs_test.go) act as scripted peers on the simulated
// network, so they rely on these method names and fields. You may add
// fields, but keep the ones declared here and their meaning.

// PrepareArgs is a phase-1 request: "promise not to accept any proposal
// numbered below N for instance Seq, and tell me what you accepted".
type PrepareArgs struct {
	Seq  int // instance
	N    int // proposal number, unique across peers (> 0)
	From int // sender's index
	Done int // sender's highest Done argument, or -1
	//solution:begin A
	// Dones is the sender's view of every peer's Done value (optional):
	// relaying them lets Min advance on peers that never talk to each
	// other directly, e.g. idle servers of a service with one busy server.
	Dones []int
	//solution:end
}

// PrepareReply answers a PrepareArgs.
type PrepareReply struct {
	OK   bool        // the promise was made (N >= every earlier promise)
	Np   int         // the acceptor's highest promise after this request
	Na   int         // number of the highest proposal accepted; 0: none
	Va   interface{} // its value
	Done int         // replier's highest Done argument, or -1
}

// AcceptArgs is a phase-2 request: "accept proposal (N, V) for Seq".
type AcceptArgs struct {
	Seq  int
	N    int
	V    interface{}
	From int
	Done int
	//solution:begin A
	Dones []int // as in PrepareArgs
	//solution:end
}

// AcceptReply answers an AcceptArgs.
type AcceptReply struct {
	OK   bool // accepted (N >= the acceptor's highest promise)
	Np   int  // the acceptor's highest promise after this request
	Done int
}

// DecidedArgs tells a peer the value chosen for Seq.
type DecidedArgs struct {
	Seq  int
	V    interface{}
	From int
	Done int
	//solution:begin A
	Dones []int // as in PrepareArgs
	//solution:end
}

// DecidedReply answers a DecidedArgs.
type DecidedReply struct {
	Done int
}

// The handlers. labrpc dispatches "Paxos.<Method>" to these; in the handout
// they exist (doing nothing) so that peers and the targeted tests can call
// them from the start.

// Prepare is the phase-1 handler.
func (px *Paxos) Prepare(args *PrepareArgs, reply *PrepareReply) {
	//solution:begin A
	px.prepare(args, reply)
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// Accept is the phase-2 handler.
func (px *Paxos) Accept(args *AcceptArgs, reply *AcceptReply) {
	//solution:begin A
	px.accept(args, reply)
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// Decided is the learner's handler.
func (px *Paxos) Decided(args *DecidedArgs, reply *DecidedReply) {
	//solution:begin A
	px.decided(args, reply)
	//solution:stub
	// // Your code here (A).
	//solution:end
}
