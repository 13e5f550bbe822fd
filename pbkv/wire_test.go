//go:build !distlabs_ported

package pbkv

// Tests that rely on the RPC types the handout gives unchanged: the view
// service's Ping and Get (package viewservice) and PutAppendArgs/GetArgs.

import (
	"sync"
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
	"distlabs/viewservice"
)

// ViewServer is a scripted stand-in for the view service: it answers the
// first ping of each server with its view and holds every later ping (no
// reply) until released, so a server learns a view but never learns that
// its acknowledgement arrived.
type ViewServer struct {
	mu      sync.Mutex
	view    viewservice.View
	pinged  map[string]bool
	release chan struct{}
	once    sync.Once
}

// Ping answers a server's first ping and holds the rest until release.
func (f *ViewServer) Ping(args *viewservice.PingArgs, reply *viewservice.PingReply) {
	f.mu.Lock()
	first := !f.pinged[args.Me]
	f.pinged[args.Me] = true
	f.mu.Unlock()
	if !first {
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	reply.View = f.view
}

// Get answers with the scripted view.
func (f *ViewServer) Get(args *viewservice.GetArgs, reply *viewservice.GetReply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reply.View = f.view
}

func (f *ViewServer) unblock() { f.once.Do(func() { close(f.release) }) }

// Spec (classic bugs): "a server acting on a view it has not acknowledged".
// s1 is told it is primary of view 1 but none of its later pings gets an
// answer: as far as it can know, the view service has not seen it take the
// view, and a crash now would let a restarted s1 take view 1 empty. It must
// not serve until an acknowledgement gets through.
func TestServeOnlyAcknowledgedViewB(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cfg := newConfig(t)
		defer cfg.cleanup()
		fake := &ViewServer{view: viewservice.View{Viewnum: 1, Primary: "s1"}, pinged: map[string]bool{}, release: make(chan struct{})}
		defer fake.unblock() // before cleanup, which waits for s1's ping
		cfg.serveVS(fake)
		cfg.net.Begin("Test (B): serve only in an acknowledged view")
		cfg.start("s1")
		ck := cfg.makeClerk("c1")
		finished := kvtest.Async(func() { cfg.h.Put(ck, 0, "k", "v") })
		select {
		case <-finished:
			t.Fatalf("s1 served a Put in view 1 before any acknowledgement of view 1 reached the view service")
		case <-time.After(2 * time.Second):
		}
		fake.unblock()
		select {
		case <-finished:
		case <-time.After(5 * time.Second):
			t.Fatalf("the Put did not complete once s1's pings were answered")
		}
		cfg.h.Expect(ck, 0, "k", "v")
		cfg.end()
	})
}

// A server never crashes on client input: malformed requests get an error
// reply, and the server keeps serving.
func TestBadRequestsB(t *testing.T) {
	run(t, "Test (B): malformed requests do not crash a server", func(t *labtest.T, cfg *config) {
		cfg.pair()
		e := cfg.makeEnd("raw")("s1")
		for _, op := range []string{"", "Delete", "put", "Get"} {
			var reply PutAppendReply
			if !e.Call("PBServer.PutAppend", &PutAppendArgs{Key: "k", Value: "x", Op: op}, &reply) {
				t.Fatalf("PutAppend with Op %q: no reply", op)
			}
			if reply.Err == OK {
				t.Fatalf("PutAppend with Op %q was accepted", op)
			}
		}
		var g GetReply
		if !e.Call("PBServer.Get", &GetArgs{}, &g) || g.Err == OK && g.Value != "" {
			t.Fatalf("Get of the empty key: %+v", g)
		}
		ck := cfg.makeClerk("c1")
		cfg.putGet(ck, 0, "", "empty key is a key")
		cfg.h.Expect(ck, 0, "k", "")
	})
}

// TestBackupRejectsClientsB checks that only the primary serves clients.
//
// The lab's rule: the backup of the current view rejects a client's Get
// and PutAppend, with an error (ErrWrongServer in the reference) or no
// answer at all, and changes nothing; a backup that answered from its own
// copy could return a value the primary has already overwritten. Clerks
// only call the primary, so the test calls the backup directly, then
// promotes it and reads the key through it.
func TestBackupRejectsClientsB(t *testing.T) {
	run(t, "Test (B): the backup rejects client requests", func(t *labtest.T, cfg *config) {
		ck := cfg.pairPut("v")
		e := cfg.makeEnd("raw")("s2")
		var g GetReply
		if e.Call("PBServer.Get", &GetArgs{Key: "k"}, &g) && (g.Err == OK || g.Err == ErrNoKey) {
			t.Fatalf("Get sent to the backup answered %+v; want an error such as %s, or no answer", g, ErrWrongServer)
		}
		var p PutAppendReply
		if e.Call("PBServer.PutAppend", &PutAppendArgs{Key: "k", Value: "backup", Op: "Put"}, &p) && p.Err == OK {
			t.Fatalf("PutAppend sent to the backup answered %+v; want an error such as %s, or no answer", p, ErrWrongServer)
		}
		cfg.h.Expect(ck, 0, "k", "v")
		cfg.crash("s1")
		cfg.waitView("s2", "", deadTime)
		cfg.h.Expect(ck, 0, "k", "v")
	})
}
