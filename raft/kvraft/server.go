package kvraft

import (
	"sync"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

//solution:begin 3A

// Timing of a request waiting for its log entry to be applied.
const (
	// leaderCheckInterval is how often a waiting request asks Raft whether
	// this server is still leader in the term it started the entry in.
	leaderCheckInterval = 50 * time.Millisecond
	// maxApplyWait bounds the wait. A leader cut off in a minority keeps its
	// term and still believes it leads, so only a bound sends the Clerk on
	// to a server that can make progress.
	maxApplyWait = 1 * time.Second
)

//solution:end

// Op is the command a KVServer puts in the Raft log.
type Op struct {
	//solution:begin 3A
	Kind     string // opGet, opPut or opAppend
	Key      string
	Value    string
	ClientID int64
	Seq      int64
	//solution:stub
	// // Your definitions here (3A): what a command in the Raft log must
	// // carry.
	//solution:end
}

// A KVServer is one replica of the key/value service.
type KVServer struct {
	//solution:begin 3A
	//solution:stub
	// //lint:ignore U1000 guards the state you add (3A)
	//solution:end
	mu      sync.Mutex
	me      int
	rf      *raft.Raft
	applyCh chan raft.ApplyMsg
	dead    atomic.Bool // Kill has been called

	// maxraftstate is the Raft state size, in bytes, near which the server
	// snapshots; -1 turns snapshots off.
	maxraftstate int

	//solution:begin 3A
	persister *raft.Persister
	done      chan struct{}     // closed by Kill: ends the applier and every waiting request
	self      *labrpc.ClientEnd // servers[me], for notes on the run's timeline (snapshot.go)

	// State machine, changed only by the applier goroutine.
	store       map[string]string
	lastSeq     map[int64]int64 // client id -> highest Put/Append sequence number applied
	lastApplied int             // highest log index reflected in store

	// waiters holds, per log index, the requests waiting for that index to be
	// applied. The applier removes an index's waiters when it applies the index.
	waiters map[int][]*waiter
	//solution:stub
	// // Your definitions here (3A, 3B).
	//solution:end
}

//solution:begin 3A

// A waiter is a request waiting for the entry it started to be applied.
type waiter struct {
	op    Op
	index int
	// ch receives exactly one result; buffered so that the applier never
	// blocks on a request that has already given up.
	ch chan applyResult
}

// applyResult is what the applier tells a waiting request.
type applyResult struct {
	err   Err
	value string
}

//solution:end

// Get is the RPC handler for Clerk.Get.
func (kv *KVServer) Get(args *GetArgs, reply *GetReply) {
	//solution:begin 3A
	reply.Err, reply.Value = kv.submit(Op{Kind: opGet, Key: args.Key, ClientID: args.ClientID, Seq: args.Seq})
	//solution:stub
	// // Your code here (3A).
	// reply.Err = ErrWrongLeader
	//solution:end
}

// PutAppend is the RPC handler for Clerk.Put and Clerk.Append.
func (kv *KVServer) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	//solution:begin 3A
	if args.Op != opPut && args.Op != opAppend {
		// A programmer error in the caller; answering keeps a buggy
		// client from crashing the replica.
		reply.Err = Err("bad op " + args.Op)
		return
	}
	kv.mu.Lock()
	applied := args.Seq <= kv.lastSeq[args.ClientID]
	kv.mu.Unlock()
	if applied {
		// A retry of a request that has already committed: answering from
		// any replica is safe, the write is in the log for good.
		reply.Err = OK
		return
	}
	reply.Err, _ = kv.submit(Op{Kind: args.Op, Key: args.Key, Value: args.Value, ClientID: args.ClientID, Seq: args.Seq})
	//solution:stub
	// // Your code here (3A).
	// reply.Err = ErrWrongLeader
	//solution:end
}

//solution:begin 3A

// submit starts op in Raft and waits until it is applied, leadership is
// lost, another command takes its index, or maxApplyWait passes. kv.mu is
// never held while calling Raft: Raft's apply path may wait for the applier,
// which needs kv.mu.
func (kv *KVServer) submit(op Op) (Err, string) {
	if kv.killed() {
		return ErrWrongLeader, ""
	}
	index, term, isLeader := kv.rf.Start(op)
	if !isLeader {
		return ErrWrongLeader, ""
	}
	w := &waiter{op: op, index: index, ch: make(chan applyResult, 1)}
	kv.mu.Lock()
	if kv.lastApplied >= index {
		// Applied before we could register; we cannot tell whether it was
		// our entry, so let the Clerk retry (duplicates are filtered).
		kv.mu.Unlock()
		return ErrWrongLeader, ""
	}
	kv.waiters[index] = append(kv.waiters[index], w)
	kv.mu.Unlock()
	defer kv.dropWaiter(w)

	deadline := time.Now().Add(maxApplyWait)
	tick := time.NewTicker(leaderCheckInterval)
	defer tick.Stop()
	for {
		select {
		case res := <-w.ch:
			return res.err, res.value
		case <-kv.done:
			return ErrWrongLeader, ""
		case <-tick.C:
			if curTerm, stillLeader := kv.rf.GetState(); curTerm != term || !stillLeader || time.Now().After(deadline) {
				return ErrWrongLeader, ""
			}
		}
	}
}

// dropWaiter unregisters w if the applier has not already taken it.
func (kv *KVServer) dropWaiter(w *waiter) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	ws := kv.waiters[w.index]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(kv.waiters, w.index)
	} else {
		kv.waiters[w.index] = ws
	}
}

// applier is the only goroutine that changes the state machine. It runs
// until Kill.
func (kv *KVServer) applier() {
	for {
		select {
		case <-kv.done:
			return
		case msg := <-kv.applyCh:
			switch {
			case msg.CommandValid:
				kv.applyCommand(msg)
			case msg.SnapshotValid:
				kv.installSnapshot(msg)
			}
		}
	}
}

// applyCommand applies one committed entry, wakes the requests waiting on
// its index, and snapshots if the Raft state has grown too large.
func (kv *KVServer) applyCommand(msg raft.ApplyMsg) {
	op, isOp := msg.Command.(Op)
	kv.mu.Lock()
	if msg.CommandIndex <= kv.lastApplied {
		// Already covered by a snapshot we installed.
		kv.mu.Unlock()
		return
	}
	kv.lastApplied = msg.CommandIndex
	var res applyResult
	if isOp {
		res = kv.execute(op)
	}
	ws := kv.waiters[msg.CommandIndex]
	delete(kv.waiters, msg.CommandIndex)
	snapshot := kv.snapshotIfNeeded()
	kv.mu.Unlock()

	for _, w := range ws {
		if isOp && w.op.ClientID == op.ClientID && w.op.Seq == op.Seq {
			w.ch <- res
		} else {
			// A different command committed at this index: the request's
			// entry was overwritten by another leader.
			w.ch <- applyResult{err: ErrWrongLeader}
		}
	}
	if snapshot != nil {
		kv.note("snapshot")
		kv.rf.Snapshot(msg.CommandIndex, snapshot)
	}
}

// execute applies op to the state machine; kv.mu must be held.
func (kv *KVServer) execute(op Op) applyResult {
	switch op.Kind {
	case opGet:
		v, ok := kv.store[op.Key]
		if !ok {
			return applyResult{err: ErrNoKey}
		}
		return applyResult{err: OK, value: v}
	case opPut, opAppend:
		if op.Seq <= kv.lastSeq[op.ClientID] {
			// A duplicate of a request already applied: a Clerk sends
			// request n+1 only after n succeeded, so anything at or below
			// the highest applied number is a retry.
			return applyResult{err: OK}
		}
		kv.lastSeq[op.ClientID] = op.Seq
		if op.Kind == opPut {
			kv.store[op.Key] = op.Value
		} else {
			kv.store[op.Key] += op.Value
		}
		return applyResult{err: OK}
	}
	return applyResult{err: Err("bad op " + op.Kind)}
}

// takeWaitersThrough removes and returns every waiter at an index <= index;
// kv.mu must be held.
func (kv *KVServer) takeWaitersThrough(index int) []*waiter {
	var out []*waiter
	for i, ws := range kv.waiters {
		if i <= index {
			out = append(out, ws...)
			delete(kv.waiters, i)
		}
	}
	return out
}

//solution:end

// Kill stops the server: Raft and the server's goroutines exit promptly.
// Kill may be called more than once.
func (kv *KVServer) Kill() {
	//solution:begin 3A
	if !kv.dead.CompareAndSwap(false, true) {
		return
	}
	kv.rf.Kill()
	close(kv.done)
	//solution:stub
	// kv.dead.Store(true)
	// kv.rf.Kill()
	// // Your code here, if anything of yours must stop too (3A).
	//solution:end
}

//solution:begin 3A

// killed reports whether Kill has been called.
func (kv *KVServer) killed() bool {
	return kv.dead.Load()
}

//solution:end

// StartKVServer starts replica me of the service; servers[me] is this
// server's own end. The persister holds the Raft state and snapshot of a
// previous incarnation, if any. With maxraftstate >= 0 the server snapshots
// when the persisted Raft state approaches maxraftstate bytes; -1 disables
// snapshots. StartKVServer returns quickly; the work runs in goroutines.
func StartKVServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister, maxraftstate int) *KVServer {
	// Commands travel through Raft inside an interface value.
	labgob.Register(Op{})

	kv := new(KVServer)
	kv.me = me
	kv.maxraftstate = maxraftstate
	kv.applyCh = make(chan raft.ApplyMsg)
	//solution:begin 3A
	kv.self = servers[me]
	kv.persister = persister
	kv.done = make(chan struct{})
	kv.store = make(map[string]string)
	kv.lastSeq = make(map[int64]int64)
	kv.waiters = make(map[int][]*waiter)
	kv.restoreSnapshot(persister.ReadSnapshot())
	//solution:stub
	// // Your initialization code here (3A).
	//solution:end
	kv.rf = raft.Make(servers, me, persister, kv.applyCh)
	//solution:begin 3A
	go kv.applier()
	//solution:end
	return kv
}
