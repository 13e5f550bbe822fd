//go:build !distlabs_ported

package paxos_test

// Targeted tests for the classic Paxos bugs that need to see or forge
// individual messages. They speak the wire contract of rpc.go: scripted
// fake peers answer the real peer's requests, or send it requests of their
// own, and a recording proxy sits on every link of a group of real peers.
// Each test cites the rule it checks: Lamport, "Paxos Made Simple" (2001),
// and the rules of this lab.

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/labrpc/labgob"
	"distlabs/paxos"
	"distlabs/test/labtest"
	"distlabs/test/tester"
)

const ms = time.Millisecond

func init() {
	labgob.Register("")
}

// Paxos is a scripted peer, named Paxos so that labrpc routes a real peer's
// "Paxos.Prepare", "Paxos.Accept" and "Paxos.Decided" calls to it. Without
// hooks it refuses everything. With forward set it is a proxy: it records
// the request and passes it on to a real peer.
type Paxos struct {
	from    int // the real peer whose requests reach this fake
	mu      sync.Mutex
	log     *wireLog
	forward *labrpc.ClientEnd
	onPrep  func(args *paxos.PrepareArgs, reply *paxos.PrepareReply)
	onAcc   func(args *paxos.AcceptArgs, reply *paxos.AcceptReply)
}

// wireLog collects every request the fakes of a test saw.
type wireLog struct {
	mu       sync.Mutex
	prepares []sent[paxos.PrepareArgs]
	accepts  []sent[paxos.AcceptArgs]
}

// sent is one request and the real peer that sent it.
type sent[A any] struct {
	from int
	args A
}

// Prepare records the request, then forwards it or answers by the hook.
func (f *Paxos) Prepare(args *paxos.PrepareArgs, reply *paxos.PrepareReply) {
	reply.Done = -1
	answer(f, "Paxos.Prepare", args, reply, &f.log.prepares, &f.onPrep)
}

// Accept records the request, then forwards it or answers by the hook.
func (f *Paxos) Accept(args *paxos.AcceptArgs, reply *paxos.AcceptReply) {
	reply.Done = -1
	answer(f, "Paxos.Accept", args, reply, &f.log.accepts, &f.onAcc)
}

// Decided forwards the decision, or ignores it.
func (f *Paxos) Decided(args *paxos.DecidedArgs, reply *paxos.DecidedReply) {
	reply.Done = -1
	answer(f, "Paxos.Decided", args, reply, nil, nil)
}

// answer is every fake handler: it records the request in *rec (under the
// log's lock; nil: not recorded), then a proxy passes it on as method to
// its real peer (a lost call leaves the reply as it is) and a scripted
// fake answers by *hook (under f.mu; nil or unset: refuse).
func answer[A, R any](f *Paxos, method string, args *A, reply *R, rec *[]sent[A], hook *func(*A, *R)) {
	if rec != nil {
		f.log.mu.Lock()
		*rec = append(*rec, sent[A]{f.from, *args})
		f.log.mu.Unlock()
	}
	f.mu.Lock()
	fwd := f.forward
	var h func(*A, *R)
	if hook != nil {
		h = *hook
	}
	f.mu.Unlock()
	switch {
	case fwd != nil:
		var r R
		if fwd.Call(method, args, &r) {
			*reply = r
		}
	case h != nil:
		h(args, reply)
	}
}

// rig is one real peer (index 0) among n-1 fakes.
type rig struct {
	t     *labtest.T
	net   *labrpc.Network
	real  *paxos.Paxos
	fakes []*Paxos            // fakes[j], j >= 1
	to    []*labrpc.ClientEnd // to[j]: from fake j to the real peer
	log   *wireLog
}

func newRig(t *labtest.T, n int) *rig {
	paxos.SetSeed(t.Seed)
	r := &rig{t: t, net: labrpc.MakeNetwork(), fakes: make([]*Paxos, n), to: make([]*labrpc.ClientEnd, n), log: &wireLog{}}
	ends := make([]*labrpc.ClientEnd, n)
	for j := 0; j < n; j++ {
		name := fmt.Sprintf("real-%d", j)
		ends[j] = r.net.MakeEnd(name)
		r.net.Connect(name, j)
		r.net.Enable(name, true)
		if j == 0 {
			continue
		}
		r.fakes[j] = &Paxos{from: 0, log: r.log}
		r.to[j] = tester.ServeFake(r.net, j, r.fakes[j], fmt.Sprintf("fake-%d", j), 0)
	}
	r.real = paxos.Make(ends, 0)
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(r.real))
	r.net.AddServer(0, srv)
	return r
}

func (r *rig) cleanup() {
	r.real.Kill()
	r.net.Cleanup()
}

// prepare sends a prepare from fake j and fails the test if it is lost.
func (r *rig) prepare(j int, args paxos.PrepareArgs) paxos.PrepareReply {
	r.t.Helper()
	args.From, args.Done = j, -1
	return call[paxos.PrepareReply](r, j, "Paxos.Prepare", &args)
}

// accept sends an accept from fake j and fails the test if it is lost.
func (r *rig) accept(j int, args paxos.AcceptArgs) paxos.AcceptReply {
	r.t.Helper()
	args.From, args.Done = j, -1
	return call[paxos.AcceptReply](r, j, "Paxos.Accept", &args)
}

// call sends a request from fake j to the real peer; a reliable network
// loses none, so a lost one fails the test.
func call[R any](r *rig, j int, method string, args any) R {
	r.t.Helper()
	var reply R
	if !r.to[j].Call(method, args, &reply) {
		r.t.Fatalf("%s %+v to the real peer failed on a reliable network", method, args)
	}
	return reply
}

// TestAcceptorKeepsPromiseA checks that an acceptor's promise covers both
// phases and every later message.
//
// "Paxos Made Simple", §2.2, P1a: an acceptor can accept a proposal
// numbered n iff it has not responded to a prepare request numbered greater
// than n; phase 1(b): it answers a prepare with a promise and the
// highest-numbered proposal it accepted. The lab's acceptor rule (n_p is the
// highest number seen in a prepare or an accept): accepting n raises the
// promise to n, so no lower prepare is promised afterwards. Promises are
// per instance.
func TestAcceptorKeepsPromiseA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		r := newRig(t, 3)
		defer r.cleanup()
		t.Begin("Test (A): the acceptor keeps its highest promise across prepare and accept")

		if rep := r.prepare(1, paxos.PrepareArgs{Seq: 0, N: 20}); !rep.OK || rep.Na != 0 {
			t.Fatalf("first prepare(20) on a fresh instance: %+v; want OK with nothing accepted", rep)
		}
		if rep := r.prepare(2, paxos.PrepareArgs{Seq: 0, N: 10}); rep.OK {
			t.Fatalf("prepare(10) after promising 20 was promised too (P1a): %+v", rep)
		}
		if rep := r.accept(2, paxos.AcceptArgs{Seq: 0, N: 10, V: "low"}); rep.OK {
			t.Fatalf("accept(10) after promising 20 was accepted (P1a): %+v", rep)
		}
		if rep := r.accept(1, paxos.AcceptArgs{Seq: 0, N: 20, V: "mid"}); !rep.OK {
			t.Fatalf("accept(20) after promising exactly 20 was refused: %+v", rep)
		}
		if rep := r.prepare(2, paxos.PrepareArgs{Seq: 0, N: 30}); !rep.OK || rep.Na != 20 || rep.Va != "mid" {
			t.Fatalf("prepare(30) after accepting (20, mid): %+v; want OK carrying Na=20, Va=mid (phase 1(b))", rep)
		}
		if rep := r.accept(1, paxos.AcceptArgs{Seq: 0, N: 40, V: "high"}); !rep.OK {
			t.Fatalf("accept(40) above every promise was refused: %+v", rep)
		}
		if rep := r.prepare(2, paxos.PrepareArgs{Seq: 0, N: 35}); rep.OK {
			t.Fatalf("prepare(35) after accepting 40 was promised: accepting must raise the promise (n_p = n): %+v", rep)
		}
		if rep := r.accept(2, paxos.AcceptArgs{Seq: 0, N: 35, V: "stale"}); rep.OK {
			t.Fatalf("accept(35) after accepting 40 was accepted: %+v", rep)
		}
		if rep := r.prepare(1, paxos.PrepareArgs{Seq: 0, N: 50}); !rep.OK || rep.Na != 40 || rep.Va != "high" {
			t.Fatalf("prepare(50): %+v; want OK carrying the latest accepted proposal (40, high)", rep)
		}
		if rep := r.prepare(1, paxos.PrepareArgs{Seq: 1, N: 5}); !rep.OK || rep.Na != 0 {
			t.Fatalf("prepare(5) on another instance: %+v; promises are per instance", rep)
		}
		t.Passed(3, r.net.GetTotalCount(), r.net.GetTotalBytes(), 2)
	})
}

// TestProposerAdoptsAcceptedValueA checks that a proposer proposes the
// value its prepare replies carry.
//
// "Paxos Made Simple", §2.2, phase 2(a): having promises from a majority,
// the proposer sends an accept with value v, where v is the value of the
// highest-numbered proposal among the replies, or any value only if the
// replies report none (P2c). Here two acceptors report different accepted
// proposals and two refuse, so the proposer's quorum must include both
// reports and it must propose the newer one, never its own value.
func TestProposerAdoptsAcceptedValueA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const n = 5
		r := newRig(t, n)
		defer r.cleanup()
		t.Begin("Test (A): the proposer adopts the highest accepted value")

		report := map[int]struct {
			na int
			va string
		}{1: {1, "older"}, 2: {2, "newer"}}
		for j := 1; j < n; j++ {
			f := r.fakes[j]
			rep, reports := report[j]
			f.mu.Lock()
			f.onPrep = func(args *paxos.PrepareArgs, reply *paxos.PrepareReply) {
				reply.Np = args.N
				if reports {
					reply.OK, reply.Na, reply.Va = true, rep.na, rep.va
				}
			}
			f.onAcc = func(args *paxos.AcceptArgs, reply *paxos.AcceptReply) {
				reply.Np, reply.OK = args.N, reports
			}
			f.mu.Unlock()
		}
		r.real.Start(0, "own")
		deadline := time.Now().Add(10 * time.Second)
		for {
			if fate, v := r.real.Status(0); fate == paxos.Decided {
				if v != "newer" {
					t.Fatalf("decided %v; the quorum's highest accepted proposal was (2, newer)", v)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no decision within 10 s although a majority promised and accepts")
			}
			time.Sleep(10 * ms)
		}
		r.log.mu.Lock()
		defer r.log.mu.Unlock()
		for _, a := range r.log.accepts {
			if a.args.V != "newer" {
				t.Fatalf("accept %+v: the proposer sent %v after its prepare replies carried (2, newer)", a.args, a.args.V)
			}
		}
		t.Passed(n, r.net.GetTotalCount(), r.net.GetTotalBytes(), 1)
	})
}

// TestUniqueProposalNumbersA checks that no two proposers ever use the same
// proposal number for one instance.
//
// "Paxos Made Simple", §2.2 and §2.3: different proposals must have
// different numbers, which is achieved by having the proposers choose their
// numbers from disjoint sets. Three real peers each propose their own value
// for the same instances at the same moment, round after round; a recording
// proxy on every link sees every prepare and accept.
func TestUniqueProposalNumbersA(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		const (
			n     = 3
			ninst = 20
		)
		paxos.SetSeed(t.Seed)
		net := labrpc.MakeNetwork()
		log := &wireLog{}
		pxs := make([]*paxos.Paxos, n)
		for i := 0; i < n; i++ {
			ends := make([]*labrpc.ClientEnd, n)
			for j := 0; j < n; j++ {
				// i's end j reaches a proxy that forwards to peer j.
				name, proxy := fmt.Sprintf("px-%d-%d", i, j), fmt.Sprintf("proxy-%d-%d", i, j)
				ends[j] = net.MakeEnd(name)
				net.Connect(name, proxy)
				net.Enable(name, true)
				fwd := net.MakeEnd("fwd-" + proxy)
				net.Connect("fwd-"+proxy, j)
				net.Enable("fwd-"+proxy, true)
				srv := labrpc.MakeServer()
				srv.AddService(labrpc.MakeService(&Paxos{from: i, log: log, forward: fwd}))
				net.AddServer(proxy, srv)
			}
			pxs[i] = paxos.Make(ends, i)
			srv := labrpc.MakeServer()
			srv.AddService(labrpc.MakeService(pxs[i]))
			net.AddServer(i, srv)
		}
		defer func() {
			for _, px := range pxs {
				px.Kill()
			}
			net.Cleanup()
		}()
		t.Begin("Test (A): proposal numbers are unique across proposers")

		for seq := 0; seq < ninst; seq++ {
			for i := 0; i < n; i++ {
				pxs[i].Start(seq, fmt.Sprintf("v%d-%d", seq, i))
			}
		}
		deadline := time.Now().Add(20 * time.Second)
		for seq := 0; seq < ninst; seq++ {
			var first interface{}
			for i := 0; i < n; i++ {
				fate, v := pxs[i].Status(seq)
				for ; fate != paxos.Decided; fate, v = pxs[i].Status(seq) {
					if time.Now().After(deadline) {
						t.Fatalf("instance %d undecided on peer %d after 20 s", seq, i)
					}
					time.Sleep(10 * ms)
				}
				// Safety, as in every test: agreement and validity.
				if i == 0 {
					first = v
				} else if v != first {
					t.Fatalf("instance %d decided as %v on peer 0 but as %v on peer %d", seq, first, v, i)
				}
				if s, ok := v.(string); !ok || !strings.HasPrefix(s, fmt.Sprintf("v%d-", seq)) {
					t.Fatalf("instance %d decided as %v, which was never proposed for it", seq, v)
				}
			}
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		type key struct{ seq, n int }
		owner := map[key]int{}
		check := func(seq, num, from int, what string) {
			k := key{seq, num}
			if o, ok := owner[k]; ok && o != from {
				t.Fatalf("instance %d: peers %d and %d both sent %s number %d", seq, o, from, what, num)
			}
			owner[k] = from
		}
		for _, p := range log.prepares {
			check(p.args.Seq, p.args.N, p.from, "a prepare with")
		}
		for _, a := range log.accepts {
			check(a.args.Seq, a.args.N, a.from, "an accept with")
		}
		if len(log.prepares) == 0 {
			t.Fatalf("the proxies saw no prepare requests")
		}
		t.Passed(n, net.GetTotalCount(), net.GetTotalBytes(), ninst)
	})
}
