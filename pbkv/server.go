package pbkv

import (
	"sync"
	"time"

	"distlabs/labrpc"
	"distlabs/viewservice"
)

// A PBServer is one server of the key/value service: primary, backup or idle
// as the view service decides. Register it on a labrpc server (the service
// name is "PBServer") under the name me.
type PBServer struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (A, B)
	//solution:end
	mu       sync.Mutex
	me       string
	vs       *viewservice.Clerk
	makeEnd  func(name string) *labrpc.ClientEnd
	done     chan struct{} // closed by Kill
	killOnce sync.Once
	wg       sync.WaitGroup // the server's goroutines

	//solution:begin B
	ends map[string]*labrpc.ClientEnd // made on first use, per peer name

	view   viewservice.View // the view this server acts on
	acked  uint             // view number the view service has our ack for (its Ping returned)
	synced uint             // as backup: the view number whose state transfer we hold
	// promoted is set when this backup learns it leads a newer view and
	// cleared when it adopts one: from then on it accepts no forward of
	// its old view, or its transfer to the new backup could miss them.
	promoted bool

	store map[string]string
	seen  map[int64]int64 // client id -> sequence number of its latest applied Put/Append
	noted string          // what noteLocked last recorded (primary.go)

	// The worker goroutine serves requests and adopts views one at a time,
	// so forwards, local applies and state transfers never interleave.
	requests chan *request
	views    chan viewservice.View // the pinger's latest news; capacity 1
	next     *viewservice.View     // news the worker took while resending a forward; worker only
	//solution:end
}

// StartServer starts the server named me, which finds the view service
// named vshost (and its peers) through ends made by makeEnd. Kill stops it.
// With an unknown or empty vshost its pings fail and it never serves.
func StartServer(vshost string, me string, makeEnd func(name string) *labrpc.ClientEnd) *PBServer {
	pb := &PBServer{
		me:      me,
		vs:      viewservice.MakeClerk(me, vshost, makeEnd),
		makeEnd: makeEnd,
		done:    make(chan struct{}),
	}
	//solution:begin B
	pb.ends = map[string]*labrpc.ClientEnd{}
	pb.store = map[string]string{}
	pb.seen = map[int64]int64{}
	pb.requests = make(chan *request)
	pb.views = make(chan viewservice.View, 1)
	pb.wg.Add(1)
	go pb.worker()
	//solution:end
	pb.wg.Add(1)
	go pb.ticker()
	return pb
}

// Get is the RPC handler of Clerk.Get.
func (pb *PBServer) Get(args *GetArgs, reply *GetReply) {
	//solution:begin B
	res := pb.submit(&request{op: opGet, key: args.Key})
	reply.Err, reply.Value = res.err, res.value
	//solution:stub
	// // Your code here (B).
	// reply.Err = ErrWrongServer
	//solution:end
}

// PutAppend is the RPC handler of Clerk.Put and Clerk.Append.
func (pb *PBServer) PutAppend(args *PutAppendArgs, reply *PutAppendReply) {
	//solution:begin B
	if args.Op != opPut && args.Op != opAppend {
		// A buggy client must not crash the server, nor be retried
		// forever as if the server were merely the wrong one.
		reply.Err = ErrBadOp
		return
	}
	res := pb.submit(&request{op: args.Op, key: args.Key, value: args.Value, client: args.ClientID, seq: args.Seq})
	reply.Err = res.err
	//solution:stub
	// // Your code here (B).
	// reply.Err = ErrWrongServer
	//solution:end
}

// tick runs every PingInterval: ping the view service and act on the view.
func (pb *PBServer) tick() {
	//solution:begin B
	pb.mu.Lock()
	n := pb.view.Viewnum
	pb.noteLocked() // the view the worker adopted since the last tick
	pb.mu.Unlock()
	v, err := pb.vs.Ping(n)
	if err != nil {
		return // no reply: ping again next interval
	}
	pb.mu.Lock()
	if pb.view.Viewnum == n {
		pb.acked = n // the view service has seen us ping n
	}
	news := v.Viewnum != pb.view.Viewnum
	pb.mu.Unlock()
	if news {
		// Hand the view to the worker; only this goroutine sends on
		// views, so after draining there is room.
		select {
		case <-pb.views:
		default:
		}
		pb.views <- v
	}
	//solution:stub
	// // Your code here (B).
	//solution:end
}

// ticker calls tick every PingInterval until Kill.
func (pb *PBServer) ticker() {
	defer pb.wg.Done()
	for {
		select {
		case <-pb.done:
			return
		case <-time.After(viewservice.PingInterval):
			pb.tick()
		}
	}
}

// Kill stops the server: when it returns none of its goroutines is left,
// and requests still waiting get ErrWrongServer.
func (pb *PBServer) Kill() {
	pb.killOnce.Do(func() { close(pb.done) })
	pb.wg.Wait()
}
