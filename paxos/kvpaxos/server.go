package kvpaxos

import (
	"sync"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
)

//solution:begin B

// Timing. A request waits at most serveTimeout for its operation to be
// decided before the server answers ErrUnavailable, so a Clerk talking to a
// server in a minority moves on; the learner looks for work every
// learnInterval.
const (
	serveTimeout  = 2 * time.Second
	learnInterval = 100 * time.Millisecond
	pollMin       = 5 * time.Millisecond
	pollMax       = 100 * time.Millisecond
)

// Op is what the servers agree on, one per Paxos instance.
type Op struct {
	Kind     string // opGet, opPut, opAppend or opNoop
	Key      string
	Value    string
	ClientID int64
	Seq      int64
}

// Kinds of Op beyond the Clerk's.
const (
	opGet  = "Get"
	opNoop = "Noop" // fills a hole in the sequence; changes nothing
)

//solution:end

// KVPaxos is one server of the service.
type KVPaxos struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (B)
	//solution:end
	mu   sync.Mutex
	me   int
	dead int32 // set by Kill
	px   *paxos.Paxos

	//solution:begin B
	store   map[string]string
	lastSeq map[int64]int64 // highest write Seq applied per client: duplicates are skipped
	applied int             // every instance below applied has been applied

	// turn serializes the goroutines that drive instances (request
	// handlers and the learner): one at a time proposes and applies. It is
	// a channel, not a mutex, so a goroutine waiting for its turn is
	// durably blocked and virtual time can advance.
	turn    chan struct{}
	stalled int // instance the learner found pending on its last look, -1: none (used under the turn)
	killCh  chan struct{}
	wg      sync.WaitGroup
	//solution:stub
	// // Your definitions here (B).
	//solution:end
}

// Get is the RPC handler for Clerk.Get.
func (kv *KVPaxos) Get(args *GetArgs, reply *GetReply) {
	//solution:begin B
	v, err := kv.execute(Op{Kind: opGet, Key: args.Key, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err, reply.Value = err, v
	//solution:stub
	// // Your code here (B).
	//solution:end
}

// PutAppend is the RPC handler for Clerk.Put and Clerk.Append.
func (kv *KVPaxos) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	//solution:begin B
	if args.Op != opPut && args.Op != opAppend {
		reply.Err = ErrBadOp // never crash on client input; no retry can fix it
		return
	}
	_, reply.Err = kv.execute(Op{Kind: args.Op, Key: args.Key, Value: args.Value, ClientID: args.ClientID, Seq: args.Seq})
	//solution:stub
	// // Your code here (B).
	//solution:end
}

// Kill stops the server and its Paxos peer; every goroutine exits.
func (kv *KVPaxos) Kill() {
	if atomic.SwapInt32(&kv.dead, 1) == 1 {
		return
	}
	//solution:begin B
	close(kv.killCh)
	kv.wg.Wait()
	//solution:end
	kv.px.Kill()
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for the loops of your goroutines (B)
//solution:end

func (kv *KVPaxos) killed() bool {
	return atomic.LoadInt32(&kv.dead) == 1
}

// StartServer starts server me of the group whose ends are servers
// (servers[me] is this one). The caller registers both kv and kv.px as
// labrpc services on server me ("KVPaxos" for clients, "Paxos" for the
// peers).
func StartServer(servers []*labrpc.ClientEnd, me int) *KVPaxos {
	//solution:begin B
	labgob.Register(Op{})
	//solution:end
	kv := &KVPaxos{me: me}
	kv.px = paxos.Make(servers, me)
	//solution:begin B
	kv.store = map[string]string{}
	kv.lastSeq = map[int64]int64{}
	kv.turn = make(chan struct{}, 1)
	kv.stalled = -1
	kv.killCh = make(chan struct{})
	kv.wg.Add(1)
	go kv.learner()
	//solution:stub
	// // Your initialization code here (B).
	//solution:end
	return kv
}

//solution:begin B

// execute gets op decided at some instance, applying every instance before
// it, and returns op's result. A write already applied (a retry whose
// first attempt succeeded) returns at once.
func (kv *KVPaxos) execute(op Op) (string, Err) {
	if kv.killed() {
		return "", ErrUnavailable
	}
	deadline := time.NewTimer(serveTimeout)
	defer deadline.Stop()
	select {
	case kv.turn <- struct{}{}:
	case <-deadline.C:
		return "", ErrUnavailable
	case <-kv.killCh:
		return "", ErrUnavailable
	}
	defer func() { <-kv.turn }()
	for {
		kv.mu.Lock()
		if op.Kind != opGet && kv.lastSeq[op.ClientID] >= op.Seq {
			kv.mu.Unlock()
			return "", OK
		}
		seq := kv.applied
		kv.mu.Unlock()
		kv.px.Start(seq, op)
		decided, ok := kv.await(seq, deadline.C)
		if !ok {
			return "", ErrUnavailable
		}
		if value, err, mine := kv.apply(seq, decided, op); mine {
			return value, err
		}
	}
}

// await polls Paxos until seq is decided, or stop fires, or Kill.
func (kv *KVPaxos) await(seq int, stop <-chan time.Time) (Op, bool) {
	for pause := pollMin; ; pause = min(2*pause, pollMax) {
		switch fate, v := kv.px.Status(seq); fate {
		case paxos.Decided:
			op, ok := v.(Op)
			return op, ok
		case paxos.Forgotten:
			// Only instances this server applied can be forgotten.
			return Op{}, false
		}
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return Op{}, false
		case <-kv.killCh:
			t.Stop()
			return Op{}, false
		}
	}
}

// apply applies the operation decided at seq (the next instance to apply),
// tells Paxos this server is done with it, and reports whether it is mine
// (same client and sequence number) with its result. The caller holds the
// turn.
func (kv *KVPaxos) apply(seq int, op, mine Op) (string, Err, bool) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if seq != kv.applied {
		return "", ErrUnavailable, false // cannot happen while holding the turn
	}
	var value string
	err := Err(OK)
	switch op.Kind {
	case opGet:
		v, ok := kv.store[op.Key]
		if !ok {
			err = ErrNoKey
		}
		value = v
	case opPut, opAppend:
		if op.Seq > kv.lastSeq[op.ClientID] {
			if op.Kind == opPut {
				kv.store[op.Key] = op.Value
			} else {
				kv.store[op.Key] += op.Value
			}
			kv.lastSeq[op.ClientID] = op.Seq
		}
	}
	kv.applied++
	kv.px.Done(seq)
	isMine := op.Kind == mine.Kind && op.ClientID == mine.ClientID && op.Seq == mine.Seq
	return value, err, isMine
}

// learner applies instances other servers got decided, so that an idle
// server keeps up and calls Done (Min needs every server's Done), and fills
// a hole (an instance that stays pending, for instance because its proposer
// died) by proposing a no-op there.
func (kv *KVPaxos) learner() {
	defer kv.wg.Done()
	tick := time.NewTicker(learnInterval)
	defer tick.Stop()
	for {
		select {
		case <-kv.killCh:
			return
		case <-tick.C:
		}
		select {
		case kv.turn <- struct{}{}:
		default:
			continue // a request is driving instances right now
		}
		kv.catchUp()
		<-kv.turn
	}
}

// catchUp applies every decided instance up to Max and proposes a no-op
// at the first instance that stayed pending for a whole learner interval.
// The caller holds the turn.
func (kv *KVPaxos) catchUp() {
	noop := Op{Kind: opNoop}
	for {
		kv.mu.Lock()
		seq := kv.applied
		kv.mu.Unlock()
		if seq > kv.px.Max() {
			return
		}
		fate, v := kv.px.Status(seq)
		if fate != paxos.Decided {
			if kv.stalled != seq {
				kv.stalled = seq // give its proposer one interval
				return
			}
			kv.px.Start(seq, noop)
			stop := time.NewTimer(learnInterval)
			op, ok := kv.await(seq, stop.C)
			stop.Stop()
			if !ok {
				return
			}
			v = op
		}
		op, _ := v.(Op)
		kv.apply(seq, op, noop)
	}
}

//solution:end
