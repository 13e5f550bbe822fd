package shardmaster

import (
	"errors"
	"sync"
	"sync/atomic"

	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
)

//solution:begin

// Kinds of Op.
const (
	opJoin  = "Join"
	opLeave = "Leave"
	opMove  = "Move"
	opQuery = "Query"
)

// errKilled is a handler's answer after Kill: it reaches the Clerk as no
// reply, so the Clerk asks another replica.
var errKilled = errors.New("shardmaster: server killed")

// Op is what the replicas agree on, one per Paxos instance. ID names the
// handler call that proposed it: a handler whose proposal lost an instance,
// or was decided after the handler stopped waiting, proposes again under
// the same ID, and the replicas apply the first decided copy only.
type Op struct {
	Kind    string
	ID      int64
	GID     int64    // Join, Leave, Move
	Servers []string // Join
	Shard   int      // Move
	Num     int      // Query
}

// machine is the ShardMaster seen as an rsm.StateMachine; a separate type
// keeps Apply, Snapshot and Restore out of the RPC service.
type machine struct{ sm *ShardMaster }

//solution:end

// ShardMaster is one replica of the configuration service.
type ShardMaster struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add
	//solution:end
	mu   sync.Mutex
	me   int
	dead atomic.Bool // set by Kill
	px   *paxos.Paxos

	configs []Config // indexed by config num

	//solution:begin
	log     *rsm.PaxosLog
	rsm     *rsm.RSM
	nextID  int64          // this replica's next op ID (see newID)
	n       int            // number of replicas
	applied map[int64]bool // IDs of the ops applied
	//solution:stub
	// // Your definitions here.
	//solution:end
}

// Join is the RPC handler for Clerk.Join.
func (sm *ShardMaster) Join(args *JoinArgs, reply *JoinReply) error {
	//solution:begin
	_, err := sm.execute(Op{Kind: opJoin, GID: args.GID, Servers: args.Servers})
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

// Leave is the RPC handler for Clerk.Leave.
func (sm *ShardMaster) Leave(args *LeaveArgs, reply *LeaveReply) error {
	//solution:begin
	_, err := sm.execute(Op{Kind: opLeave, GID: args.GID})
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

// Move is the RPC handler for Clerk.Move.
func (sm *ShardMaster) Move(args *MoveArgs, reply *MoveReply) error {
	//solution:begin
	_, err := sm.execute(Op{Kind: opMove, Shard: args.Shard, GID: args.GID})
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

// Query is the RPC handler for Clerk.Query. A query is agreed on like a
// change: a replica that answered from its own copy could miss changes
// the others decided while it was cut off.
func (sm *ShardMaster) Query(args *QueryArgs, reply *QueryReply) error {
	//solution:begin
	c, err := sm.execute(Op{Kind: opQuery, Num: args.Num})
	reply.Config = c
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

//solution:begin

// execute proposes op until a decided copy of it has been applied here and
// returns the configuration it yields (for a Query). Only Kill stops it:
// the 2015 Clerk takes any answer as success.
func (sm *ShardMaster) execute(op Op) (Config, error) {
	op.ID = sm.newID()
	for !sm.killed() {
		if v, ok := sm.rsm.Submit(op); ok {
			return v.(Config), nil
		}
	}
	return Config{}, errKilled
}

// newID returns an op ID no other replica and no other call here uses:
// this replica's count, spread by replica number.
func (sm *ShardMaster) newID() int64 {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.nextID++
	return sm.nextID*int64(sm.n) + int64(sm.me)
}

// Apply executes one decided Op, once per ID, and returns the
// configuration a Query asked for (a zero Config for a change).
func (m machine) Apply(command interface{}) interface{} {
	op, ok := command.(Op)
	if !ok {
		return Config{}
	}
	sm := m.sm
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if op.Kind == opQuery {
		latest := len(sm.configs) - 1
		if op.Num < 0 || op.Num > latest {
			op.Num = latest
		}
		// Configurations never change once made, so the reply may share
		// the map.
		return sm.configs[op.Num]
	}
	if sm.applied[op.ID] {
		return Config{}
	}
	sm.applied[op.ID] = true
	sm.changeLocked(op)
	return Config{}
}

// changeLocked appends the configuration a Join, Leave or Move yields; a
// Join of a group already in, or a Leave of one not in, changes nothing
// (so a Clerk's retry cannot move shards again).
func (sm *ShardMaster) changeLocked(op Op) {
	cur := sm.configs[len(sm.configs)-1]
	next := Config{Num: cur.Num + 1, Shards: cur.Shards, Groups: make(map[int64][]string, len(cur.Groups)+1)}
	for g, servers := range cur.Groups {
		next.Groups[g] = servers // never modified: configurations may share them
	}
	switch op.Kind {
	case opJoin:
		if _, in := cur.Groups[op.GID]; in || op.GID <= 0 {
			return
		}
		next.Groups[op.GID] = append([]string(nil), op.Servers...)
		next.Shards = rebalance(next.Shards, next.Groups)
	case opLeave:
		if _, in := cur.Groups[op.GID]; !in {
			return
		}
		delete(next.Groups, op.GID)
		next.Shards = rebalance(next.Shards, next.Groups)
	case opMove:
		if op.Shard < 0 || op.Shard >= NShards {
			return
		}
		next.Shards[op.Shard] = op.GID
	default:
		return
	}
	sm.configs = append(sm.configs, next)
}

// Snapshot is never called: a Paxos log keeps no persisted state to trim
// (the RSM runs with snapshots off).
func (m machine) Snapshot() []byte { return nil }

// Restore is never called; see Snapshot.
func (m machine) Restore([]byte) {}

//solution:end

// Kill stops the replica and its Paxos peer; every goroutine exits. Kill
// may be called more than once.
func (sm *ShardMaster) Kill() {
	//solution:begin
	if !sm.dead.CompareAndSwap(false, true) {
		return
	}
	sm.log.Kill() // kills px
	sm.rsm.Kill()
	//solution:stub
	// sm.dead.Store(true)
	// sm.px.Kill()
	//solution:end
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for the loops of your goroutines
//solution:end

// killed reports whether Kill has been called.
func (sm *ShardMaster) killed() bool {
	return sm.dead.Load()
}

// Paxos returns the replica's Paxos peer, for a harness outside the
// package that registers it as a labrpc service (paxos/shardkv's).
func (sm *ShardMaster) Paxos() *paxos.Paxos {
	return sm.px
}

// StartServer starts replica me of the shardmaster; servers are the ends
// to every replica's Paxos peer (servers[me] is this replica's own). The
// caller registers the ShardMaster and its Paxos peer (sm.px) as labrpc
// services. It returns at once; the work runs in goroutines.
func StartServer(servers []*labrpc.ClientEnd, me int) *ShardMaster {
	sm := new(ShardMaster)
	sm.me = me
	sm.configs = make([]Config, 1)
	sm.configs[0].Groups = map[int64][]string{}
	sm.px = paxos.Make(servers, me)
	//solution:begin
	// Ops travel through Paxos inside an interface value.
	labgob.Register(Op{})
	sm.n = len(servers)
	sm.applied = make(map[int64]bool)
	log, applyCh := rsm.NewPaxosLog(sm.px)
	sm.log = log
	// No snapshots (maxraftstate -1): Paxos forgets what every replica
	// applied, and the configurations are the state.
	sm.rsm = rsm.New(me, log, applyCh, machine{sm}, -1, func() int { return 0 }, nil)
	//solution:stub
	// // Your code here: start what serves the requests. Kill must stop it.
	//solution:end
	return sm
}
