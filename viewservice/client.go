package viewservice

import (
	"errors"
	"fmt"
	"sync"

	"distlabs/labrpc"
)

// A Clerk talks to the view service on behalf of one server (Ping) or
// client (Get, Primary). It is safe for concurrent use.
type Clerk struct {
	me      string
	server  string
	makeEnd func(name string) *labrpc.ClientEnd

	mu  sync.Mutex
	end *labrpc.ClientEnd // made on first use and kept
}

// ErrNoServer is returned by Ping when the Clerk cannot name a view
// service: an empty server name, or a makeEnd that gives no end for it.
var ErrNoServer = errors.New("viewservice: no view service to call")

// MakeClerk returns a Clerk for the server or client named me (may be "" for
// a client that never pings) that reaches the view service named server
// through ends made by makeEnd (the 6.824 shardkv convention: one end per
// name, made when first needed).
func MakeClerk(me string, server string, makeEnd func(name string) *labrpc.ClientEnd) *Clerk {
	return &Clerk{me: me, server: server, makeEnd: makeEnd}
}

// endLocked returns the end to the view service, making it on first use.
func (ck *Clerk) endLocked() (*labrpc.ClientEnd, error) {
	if ck.end != nil {
		return ck.end, nil
	}
	if ck.server == "" || ck.makeEnd == nil {
		return nil, fmt.Errorf("%w: the Clerk of %q was given no view service name or no makeEnd", ErrNoServer, ck.me)
	}
	ck.end = ck.makeEnd(ck.server)
	if ck.end == nil {
		return nil, fmt.Errorf("%w: makeEnd(%q) returned nil", ErrNoServer, ck.server)
	}
	return ck.end, nil
}

// call sends one RPC to the view service.
func (ck *Clerk) call(method string, args, reply interface{}) error {
	ck.mu.Lock()
	end, err := ck.endLocked()
	ck.mu.Unlock()
	if err != nil {
		return err
	}
	if !end.Call("ViewServer."+method, args, reply) {
		return fmt.Errorf("viewservice: %s to %q failed: no reply (lost, or the service is unreachable)", method, ck.server)
	}
	return nil
}

// Ping tells the view service that this server is alive and has seen view
// viewnum, and returns the service's current view. One attempt: an error
// means no reply arrived (the caller pings again at the next interval).
func (ck *Clerk) Ping(viewnum uint) (View, error) {
	var reply PingReply
	if err := ck.call("Ping", &PingArgs{Me: ck.me, Viewnum: viewnum}, &reply); err != nil {
		return View{}, err
	}
	return reply.View, nil
}

// Get returns the view service's current view without changing anything;
// false if no reply arrived.
func (ck *Clerk) Get() (View, bool) {
	var reply GetReply
	if err := ck.call("Get", &GetArgs{}, &reply); err != nil {
		return View{}, false
	}
	return reply.View, true
}

// Primary returns the primary of the current view, or "" if there is none or
// the view service did not answer.
func (ck *Clerk) Primary() string {
	v, ok := ck.Get()
	if !ok {
		return ""
	}
	return v.Primary
}
