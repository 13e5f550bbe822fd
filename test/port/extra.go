package main

import "fmt"

// The files below are added to a ported package. They are the port's own
// code (written for this kit), kept apart from the student's files so a
// TA sees at a glance what the port added.

// endsFile: pbservice and the 2015 shardkv name servers by strings (views,
// configurations), so a name is turned into an end by the harness's
// makeEnd, once per name: the harness records every end it makes (to cut
// links later), so an end per call would grow without bound.
const endsFile = `package %s

// Added by test/port: the 2015 code dialled a Unix socket per server
// name; here a name is reached through an end the harness's makeEnd
// makes, one end per name.

import (
	"sync"

	"distlabs/labrpc"
)

// ends keeps one labrpc end per server name.
type ends struct {
	mu      sync.Mutex
	makeEnd func(string) *labrpc.ClientEnd
	m       map[string]*labrpc.ClientEnd
}

func newEnds(makeEnd func(string) *labrpc.ClientEnd) *ends {
	return &ends{makeEnd: makeEnd, m: map[string]*labrpc.ClientEnd{}}
}

// call sends one RPC to the server named srv and reports whether a reply
// came back. An empty name never answers, as rpc.Dial("unix", "") failed.
func (e *ends) call(srv, name string, args, reply interface{}) bool {
	if srv == "" {
		return false
	}
	e.mu.Lock()
	end, ok := e.m[srv]
	if !ok {
		end = e.makeEnd(srv)
		e.m[srv] = end
	}
	e.mu.Unlock()
	return end != nil && end.Call(name, args, reply)
}
`

// shutdownFile: our pbkv harness ends a Clerk that would retry forever
// (a service that lost its data) with shutdown, and waits for its
// request to return.
const shutdownFile = `package %s

// Added by test/port: the harness stops a Clerk whose retry loops would
// otherwise run forever; the loops check stopped.

func (ck *Clerk) shutdown() { ck.stopped.Store(true) }
`

// paxosAccessorFile: the 2015 shardkv harness lives outside the
// shardmaster package and registers each master's Paxos peer through it.
const paxosAccessorFile = `package %s

// Added by test/port: the shardkv harness, outside this package,
// registers each master's Paxos peer as a service.

import "distlabs/paxos"

// Paxos returns the master's Paxos peer.
func (sm *ShardMaster) Paxos() *paxos.Paxos { return sm.px }
`

// addExtras adds the files spec calls for, unless the student's package
// already declares what they would.
func addExtras(p *pkg, spec apiSpec, rep *report) {
	name := lastElem(p.dir.dst)
	if len(spec.viaEnds) > 0 {
		if p.decls["ends"] || p.decls["newEnds"] {
			rep.byHand("%s: the package already declares ends or newEnds: rename them, then run the port again", p.dir.src)
		} else {
			p.extra["port_ends.go"] = fmt.Appendf(nil, endsFile, name)
		}
	}
	if spec.clerkStop && !p.methods["Clerk"]["shutdown"] {
		p.extra["port_shutdown.go"] = fmt.Appendf(nil, shutdownFile, name)
	}
	if spec.accessor && !p.methods["ShardMaster"]["Paxos"] {
		p.extra["port_paxos.go"] = fmt.Appendf(nil, paxosAccessorFile, name)
	}
	for f := range p.extra {
		rep.note("%s: added %s", p.dir.dst, f)
	}
}
