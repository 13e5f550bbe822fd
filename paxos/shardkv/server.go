package shardkv

import (
	"errors"
	"sync"
	"sync/atomic"

	"distlabs/internal/rsm"
	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
)

// ShardKV is one server of a replica group.
type ShardKV struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add
	//solution:end
	mu      sync.Mutex
	me      int
	dead    atomic.Bool // set by Kill
	px      *paxos.Paxos
	gid     int64 // my replica group ID
	sm      []*labrpc.ClientEnd
	makeEnd func(name string) *labrpc.ClientEnd

	//solution:begin
	log  *rsm.PaxosLog
	rsm  *rsm.RSM
	st   state         // the replicated state; guarded by mu
	stop chan struct{} // closed by Kill: ends the reconfiguration loop
	wg   sync.WaitGroup
	ends map[string]*labrpc.ClientEnd // other groups' servers, by name; guarded by mu
	//solution:stub
	// // Your definitions here.
	//solution:end
}

//solution:begin

// errKilled is a handler's answer after Kill: it reaches the Clerk as no
// reply, so the Clerk asks another server.
var errKilled = errors.New("shardkv: server killed")

//solution:end

// Get is the RPC handler for Clerk.Get.
func (kv *ShardKV) Get(args *GetArgs, reply *GetReply) error {
	//solution:begin
	res, err := kv.submit(Op{Kind: opGet, Key: args.Key})
	reply.Err, reply.Value = res.Err, res.Value
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

// PutAppend is the RPC handler for Clerk.Put and Clerk.Append.
func (kv *ShardKV) PutAppend(args *PutAppendArgs, reply *PutAppendReply) error {
	//solution:begin
	res, err := kv.submit(Op{Kind: args.Op, Key: args.Key, Value: args.Value, ClientID: args.ClientID, Seq: args.Seq})
	reply.Err = res.Err
	return err
	//solution:stub
	// // Your code here.
	// return nil
	//solution:end
}

//solution:begin

// submit runs op through the group's Paxos log and returns its result;
// ErrNotReady if the group did not agree on it within the RSM's wait (the
// Clerk then tries another server).
func (kv *ShardKV) submit(op Op) (result, error) {
	if kv.killed() {
		return result{}, errKilled
	}
	v, ok := kv.rsm.Submit(op)
	if !ok {
		return result{Err: ErrNotReady}, nil
	}
	return v.(result), nil
}

//solution:end

// Kill stops the server and its Paxos peer; every goroutine exits. Kill
// may be called more than once.
func (kv *ShardKV) Kill() {
	//solution:begin
	if !kv.dead.CompareAndSwap(false, true) {
		return
	}
	close(kv.stop)
	kv.log.Kill() // kills px
	kv.rsm.Kill() // a Submit of the reconfiguration loop returns
	kv.wg.Wait()
	//solution:stub
	// kv.dead.Store(true)
	// kv.px.Kill()
	//solution:end
}

//solution:begin
//solution:stub
// //lint:ignore U1000 for the loops of your goroutines
//solution:end

// killed reports whether Kill has been called.
func (kv *ShardKV) killed() bool {
	return kv.dead.Load()
}

// StartServer starts server me of replica group gid. shardmasters are the
// ends to the shardmaster replicas; servers are the ends to the group's
// Paxos peers (servers[me] is this server's own); makeEnd turns a server
// name from a configuration into an end. The caller registers the ShardKV
// and its Paxos peer (kv.px) as labrpc services. It returns at once; the
// work runs in goroutines, among them one that polls the shardmaster about
// every 100 ms and moves the group through new configurations.
func StartServer(gid int64, shardmasters []*labrpc.ClientEnd, servers []*labrpc.ClientEnd, me int, makeEnd func(name string) *labrpc.ClientEnd) *ShardKV {
	kv := new(ShardKV)
	kv.me = me
	kv.gid = gid
	kv.sm = shardmasters
	kv.makeEnd = makeEnd
	kv.px = paxos.Make(servers, me)
	//solution:begin
	// Ops travel through Paxos inside an interface value.
	labgob.Register(Op{})
	kv.st = newState()
	kv.stop = make(chan struct{})
	kv.ends = make(map[string]*labrpc.ClientEnd)
	log, applyCh := rsm.NewPaxosLog(kv.px)
	kv.log = log
	// No snapshots (maxraftstate -1): Paxos forgets what every server
	// applied, and nothing is persisted.
	kv.rsm = rsm.New(me, log, applyCh, machine{kv}, -1, func() int { return 0 }, nil)
	kv.wg.Add(1)
	go kv.reconfigure()
	//solution:stub
	// // Your initialization code here.
	// // Don't call Join().
	//solution:end
	return kv
}
