package viewservice

import (
	"sync"
	"time"
)

// A ViewServer is the view service. Register it on a labrpc server (the
// service name is "ViewServer") under the name the Clerks use.
type ViewServer struct {
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 guards the state you add (A)
	//solution:end
	mu       sync.Mutex
	me       string
	done     chan struct{} // closed by Kill
	finished chan struct{} // closed when the ticker has exited
	killOnce sync.Once

	//solution:begin A
	view  View
	acked bool // the primary of view has pinged with view.Viewnum

	// What the service knows of every server that pinged recently.
	lastPing map[string]time.Time // when it last pinged
	lastNum  map[string]uint      // the view number of its last ping
	// failed holds the servers of the current view that restarted (pinged
	// 0 after a real view number): dead for this view whatever they ping
	// next. Cleared on every view change.
	failed map[string]bool

	noted string // what noteLocked last recorded (views.go)
	//solution:end
}

// StartServer starts the view service named me. Kill stops it.
func StartServer(me string) *ViewServer {
	vs := &ViewServer{
		me:       me,
		done:     make(chan struct{}),
		finished: make(chan struct{}),
		//solution:begin A
		lastPing: map[string]time.Time{},
		lastNum:  map[string]uint{},
		failed:   map[string]bool{},
		//solution:end
	}
	go vs.ticker()
	return vs
}

// Ping is the RPC handler of Clerk.Ping: it records that args.Me is alive,
// takes the ping as an acknowledgement or a restart, and replies with the
// current view (after any view change the ping allowed).
func (vs *ViewServer) Ping(args *PingArgs, reply *PingReply) {
	//solution:begin A
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if args.Me != "" {
		vs.recordPingLocked(args.Me, args.Viewnum, time.Now())
	}
	reply.View = vs.view
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// Get is the RPC handler of Clerk.Get: the current view, no side effect.
func (vs *ViewServer) Get(args *GetArgs, reply *GetReply) {
	//solution:begin A
	vs.mu.Lock()
	defer vs.mu.Unlock()
	reply.View = vs.view
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// tick runs every PingInterval: it declares servers that stopped pinging
// dead and moves to the next view if the rules allow.
func (vs *ViewServer) tick() {
	//solution:begin A
	vs.mu.Lock()
	defer vs.mu.Unlock()
	now := time.Now()
	vs.advanceLocked(now)
	vs.forgetLocked(now)
	//solution:stub
	// // Your code here (A).
	//solution:end
}

// ticker calls tick every PingInterval until Kill.
func (vs *ViewServer) ticker() {
	defer close(vs.finished)
	t := time.NewTicker(PingInterval)
	defer t.Stop()
	for {
		select {
		case <-vs.done:
			return
		case <-t.C:
			vs.tick()
		}
	}
}

// Kill stops the view service; when it returns, none of its goroutines is
// left. Handlers of calls still in flight finish on their own.
func (vs *ViewServer) Kill() {
	vs.killOnce.Do(func() { close(vs.done) })
	<-vs.finished
}
