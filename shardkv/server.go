package shardkv

import (
	"sync"
	"sync/atomic"

	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
	"distlabs/shardkv/shardctrler"
)

// Op is a client's command in the Raft log.
type Op struct {
	//solution:begin 4B
	Kind     string // opGet, opPut or opAppend
	Key      string
	Value    string
	ClientID int64
	Seq      int64
	//solution:stub
	// // Your definitions here (4B): what a client request puts in the log.
	//solution:end
}

// A ShardKV is one server of one replica group.
type ShardKV struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (4B)
	//solution:end
	mu           sync.Mutex
	me           int
	rf           *raft.Raft
	applyCh      chan raft.ApplyMsg
	makeEnd      func(string) *labrpc.ClientEnd
	gid          int
	ctrlers      []*labrpc.ClientEnd
	maxraftstate int         // snapshot if log grows this big
	dead         atomic.Bool // set by Kill

	//solution:begin 4B
	rsm     *rsm.RSM
	stopLog func()        // kills the log: the Raft peer or the Paxos log
	done    chan struct{} // closed by Kill: ends the reconfiguration loop
	ends    map[string]*labrpc.ClientEnd
	self    *labrpc.ClientEnd // servers[me], for notes on the run's timeline
	noted   string            // what noteLocked last recorded (state.go)

	// The replicated state, changed only by applying log entries.
	cur    shardctrler.Config // the configuration the group is in
	prev   shardctrler.Config // the one before: who held the shards we pull
	shards [shardctrler.NShards]shard
	//solution:stub
	// // Your data here (4B): the key/value data and duplicate table of each
	// // shard, the current configuration, and what you need to move shards.
	//solution:end
}

//solution:begin 4B

// opResult is what applying an Op yields.
type opResult struct {
	Err   Err
	Value string
}

//solution:end

// Get is the RPC handler for Clerk.Get.
func (kv *ShardKV) Get(args *GetArgs, reply *GetReply) {
	//solution:begin 4B
	res := kv.submitClient(Op{Kind: opGet, Key: args.Key, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err, reply.Value = res.Err, res.Value
	//solution:stub
	// // Your code here (4B).
	// reply.Err = ErrWrongLeader
	//solution:end
}

// PutAppend is the RPC handler for Clerk.Put and Clerk.Append.
func (kv *ShardKV) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	//solution:begin 4B
	if args.Op != opPut && args.Op != opAppend {
		// A caller's mistake; answering keeps it from crashing a replica.
		reply.Err = ErrBadOp
		return
	}
	res := kv.submitClient(Op{Kind: args.Op, Key: args.Key, Value: args.Value, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err = res.Err
	//solution:stub
	// // Your code here (4B).
	// reply.Err = ErrWrongLeader
	//solution:end
}

//solution:begin 4B

// submitClient runs a client's op through the log. A server that does not
// serve the key's shard says so at once; the check that counts is the one
// at apply time, since the configuration may change before the op commits.
func (kv *ShardKV) submitClient(op Op) opResult {
	if kv.killed() {
		return opResult{Err: ErrWrongLeader}
	}
	kv.mu.Lock()
	serving := kv.servesLocked(key2shard(op.Key))
	kv.mu.Unlock()
	if !serving {
		return opResult{Err: ErrWrongGroup}
	}
	v, ok := kv.rsm.Submit(op)
	if !ok {
		return opResult{Err: ErrWrongLeader}
	}
	return v.(opResult)
}

//solution:end

// Kill stops the server; its goroutines and Raft's exit promptly. Kill may
// be called more than once.
func (kv *ShardKV) Kill() {
	//solution:begin 4B
	if !kv.dead.CompareAndSwap(false, true) {
		return
	}
	kv.stopLog()
	kv.rsm.Kill()
	close(kv.done)
	//solution:stub
	// kv.dead.Store(true)
	// kv.rf.Kill()
	//solution:end
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for the loops of your goroutines (4B)
//solution:end

// killed reports whether Kill has been called.
func (kv *ShardKV) killed() bool {
	return kv.dead.Load()
}

// StartServer starts server me of group gid. servers are the ends of the
// group's servers (servers[me] is this one), persister holds the state of a
// previous incarnation, maxraftstate is the Raft state size near which the
// server snapshots (-1: never), ctrlers are the ends of the controller, and
// makeEnd turns a server name from a Config into an end. StartServer
// returns quickly; the work runs in goroutines that Kill stops.
func StartServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister, maxraftstate int, gid int, ctrlers []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) *ShardKV {
	// Commands travel through Raft inside an interface value.
	labgob.Register(Op{})

	kv := new(ShardKV)
	kv.me = me
	kv.maxraftstate = maxraftstate
	kv.makeEnd = makeEnd
	kv.gid = gid
	kv.ctrlers = ctrlers
	kv.applyCh = make(chan raft.ApplyMsg)
	kv.rf = raft.Make(servers, me, persister, kv.applyCh)
	//solution:begin 4B
	kv.self = servers[me]
	kv.stopLog = kv.rf.Kill
	kv.startRSM(kv.rf, kv.applyCh, persister.RaftStateSize, persister.ReadSnapshot())
	//solution:stub
	// // Your initialization here (4B): restore from the persisted snapshot,
	// // start the goroutine that reads applyCh and the one that polls the
	// // controller. Kill must stop them.
	//solution:end
	return kv
}

//solution:begin 4B

// startRSM starts the state machine over log, which delivers on applyCh,
// and the reconfiguration loop.
func (kv *ShardKV) startRSM(log rsm.Log, applyCh <-chan raft.ApplyMsg, logSize func() int, snapshot []byte) {
	registerCommands()
	kv.done = make(chan struct{})
	kv.ends = make(map[string]*labrpc.ClientEnd)
	kv.rsm = rsm.New(kv.me, log, applyCh, machine{kv}, kv.maxraftstate, logSize, snapshot)
	go kv.reconfigure()
}

//solution:end
