package shardctrler

import (
	"sync"
	"sync/atomic"

	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/raft"
)

//solution:begin 4A

// Operation kinds carried in Op.
const (
	opJoin  = "Join"
	opLeave = "Leave"
	opMove  = "Move"
	opQuery = "Query"
)

//solution:end

// Op is the command a ShardCtrler puts in the Raft log.
type Op struct {
	//solution:begin 4A
	Kind     string
	Servers  map[int][]string // Join
	GIDs     []int            // Leave
	Shard    int              // Move
	GID      int              // Move
	Num      int              // Query
	ClientID int64
	Seq      int64
	//solution:stub
	// // Your definitions here (4A).
	//solution:end
}

// A ShardCtrler is one replica of the configuration service.
type ShardCtrler struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (4A)
	//solution:end
	mu      sync.Mutex
	me      int
	rf      *raft.Raft
	applyCh chan raft.ApplyMsg
	dead    atomic.Bool // set by Kill

	configs []Config // indexed by config num

	//solution:begin 4A
	rsm     *rsm.RSM
	stopLog func() // kills the log: the Raft peer or the Paxos log
	// done remembers, per client, the latest Join/Leave/Move applied and
	// its outcome: a client sends request n+1 only after n returned, so
	// anything at or below it is a retry.
	done map[int64]lastRequest
	//solution:stub
	// // Your data here (4A).
	//solution:end
}

//solution:begin 4A

// lastRequest is a client's latest applied change and its outcome.
type lastRequest struct {
	Seq int64
	Err Err
}

// opResult is what applying an Op yields.
type opResult struct {
	Err    Err
	Config Config
}

//solution:end

// Join is the RPC handler for Clerk.Join.
func (sc *ShardCtrler) Join(args *JoinArgs, reply *JoinReply) {
	//solution:begin 4A
	res := sc.submit(Op{Kind: opJoin, Servers: args.Servers, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err, reply.WrongLeader = res.Err, res.Err == ErrWrongLeader
	//solution:stub
	// // Your code here (4A).
	// reply.WrongLeader, reply.Err = true, ErrWrongLeader
	//solution:end
}

// Leave is the RPC handler for Clerk.Leave.
func (sc *ShardCtrler) Leave(args *LeaveArgs, reply *LeaveReply) {
	//solution:begin 4A
	res := sc.submit(Op{Kind: opLeave, GIDs: args.GIDs, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err, reply.WrongLeader = res.Err, res.Err == ErrWrongLeader
	//solution:stub
	// // Your code here (4A).
	// reply.WrongLeader, reply.Err = true, ErrWrongLeader
	//solution:end
}

// Move is the RPC handler for Clerk.Move.
func (sc *ShardCtrler) Move(args *MoveArgs, reply *MoveReply) {
	//solution:begin 4A
	res := sc.submit(Op{Kind: opMove, Shard: args.Shard, GID: args.GID, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err, reply.WrongLeader = res.Err, res.Err == ErrWrongLeader
	//solution:stub
	// // Your code here (4A).
	// reply.WrongLeader, reply.Err = true, ErrWrongLeader
	//solution:end
}

// Query is the RPC handler for Clerk.Query. Queries go through the log
// too: a leader cut off in a minority must not answer with a stale latest
// configuration.
func (sc *ShardCtrler) Query(args *QueryArgs, reply *QueryReply) {
	//solution:begin 4A
	res := sc.submit(Op{Kind: opQuery, Num: args.Num})
	reply.Err, reply.WrongLeader, reply.Config = res.Err, res.Err == ErrWrongLeader, res.Config
	//solution:stub
	// // Your code here (4A).
	// reply.WrongLeader, reply.Err = true, ErrWrongLeader
	//solution:end
}

//solution:begin 4A

// submit runs op through the log and returns its result.
func (sc *ShardCtrler) submit(op Op) opResult {
	if sc.killed() {
		return opResult{Err: ErrWrongLeader}
	}
	v, ok := sc.rsm.Submit(op)
	if !ok {
		return opResult{Err: ErrWrongLeader}
	}
	return v.(opResult)
}

// machine is the ShardCtrler seen as an rsm.StateMachine; a separate type
// keeps Apply, Snapshot and Restore out of the RPC service.
type machine struct{ sc *ShardCtrler }

// Apply executes one committed Op.
func (m machine) Apply(command interface{}) interface{} {
	op, ok := command.(Op)
	if !ok {
		return opResult{Err: ErrBadRequest}
	}
	sc := m.sc
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if op.Kind == opQuery {
		latest := len(sc.configs) - 1
		if op.Num < 0 || op.Num > latest {
			op.Num = latest
		}
		// Configurations are never changed once made, so the reply may
		// share the map.
		return opResult{Err: OK, Config: sc.configs[op.Num]}
	}
	if last, ok := sc.done[op.ClientID]; ok && op.Seq <= last.Seq {
		return opResult{Err: last.Err}
	}
	err := sc.change(op)
	sc.done[op.ClientID] = lastRequest{Seq: op.Seq, Err: err}
	return opResult{Err: err}
}

// change applies a Join, Leave or Move as a new configuration; sc.mu must
// be held. A request that makes no sense changes nothing.
func (sc *ShardCtrler) change(op Op) Err {
	cur := sc.configs[len(sc.configs)-1]
	next := Config{Num: cur.Num + 1, Shards: cur.Shards, Groups: copyGroups(cur.Groups)}
	switch op.Kind {
	case opJoin:
		for gid, servers := range op.Servers {
			// A group with no servers would get shards no one can serve.
			if gid <= 0 || len(servers) == 0 {
				return ErrBadRequest
			}
		}
		for gid, servers := range copyGroups(op.Servers) {
			next.Groups[gid] = servers
		}
		next.Shards = rebalance(next.Shards, next.Groups)
	case opLeave:
		for _, gid := range op.GIDs {
			delete(next.Groups, gid)
		}
		next.Shards = rebalance(next.Shards, next.Groups)
	case opMove:
		if _, ok := next.Groups[op.GID]; !ok || op.Shard < 0 || op.Shard >= NShards {
			return ErrBadRequest
		}
		next.Shards[op.Shard] = op.GID
	default:
		return ErrBadRequest
	}
	sc.configs = append(sc.configs, next)
	return OK
}

// startRSM starts the state machine over log, which delivers on applyCh.
func (sc *ShardCtrler) startRSM(log rsm.Log, applyCh <-chan raft.ApplyMsg, logSize func() int, snapshot []byte) {
	sc.done = make(map[int64]lastRequest)
	// The controller's state is small: no snapshots (maxraftstate -1).
	sc.rsm = rsm.New(sc.me, log, applyCh, machine{sc}, -1, logSize, snapshot)
}

// ctrlerState is what a snapshot of the controller holds.
type ctrlerState struct {
	Configs []Config
	Done    map[int64]lastRequest
}

// Snapshot encodes the configurations and the duplicate table.
func (m machine) Snapshot() []byte {
	m.sc.mu.Lock()
	defer m.sc.mu.Unlock()
	return encodeState(ctrlerState{Configs: m.sc.configs, Done: m.sc.done})
}

// Restore replaces the state with a decoded Snapshot.
func (m machine) Restore(data []byte) {
	st := decodeState(data)
	m.sc.mu.Lock()
	defer m.sc.mu.Unlock()
	m.sc.configs = st.Configs
	m.sc.done = st.Done
	if m.sc.done == nil {
		m.sc.done = make(map[int64]lastRequest)
	}
}

//solution:end

// Kill stops the server; its goroutines and Raft's exit promptly. Kill may
// be called more than once.
func (sc *ShardCtrler) Kill() {
	//solution:begin 4A
	if !sc.dead.CompareAndSwap(false, true) {
		return
	}
	sc.stopLog()
	sc.rsm.Kill()
	//solution:stub
	// sc.dead.Store(true)
	// sc.rf.Kill()
	//solution:end
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for the loops of your goroutines (4A)
//solution:end

// killed reports whether Kill has been called.
func (sc *ShardCtrler) killed() bool {
	return sc.dead.Load()
}

// Raft returns the server's Raft peer (the shardkv tester needs it).
func (sc *ShardCtrler) Raft() *raft.Raft {
	return sc.rf
}

// StartServer starts replica me of the controller; servers[me] is this
// server's own end, and persister holds the Raft state of a previous
// incarnation, if any. It returns quickly; the work runs in goroutines.
func StartServer(servers []*labrpc.ClientEnd, me int, persister *raft.Persister) *ShardCtrler {
	// Commands travel through Raft inside an interface value.
	labgob.Register(Op{})

	sc := new(ShardCtrler)
	sc.me = me
	sc.configs = make([]Config, 1)
	sc.configs[0].Groups = map[int][]string{}
	sc.applyCh = make(chan raft.ApplyMsg)
	sc.rf = raft.Make(servers, me, persister, sc.applyCh)
	//solution:begin 4A
	sc.stopLog = sc.rf.Kill
	sc.startRSM(sc.rf, sc.applyCh, persister.RaftStateSize, persister.ReadSnapshot())
	//solution:stub
	// // Your code here (4A): start the goroutine that applies committed
	// // operations from applyCh. Kill must stop it.
	//solution:end
	return sc
}
