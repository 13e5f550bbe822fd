package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/internal/testutil"
)

// The fixtures are small 2015- and 2022-shaped packages written by each
// test into its temp dir: just the shapes the port rewrites (the skeleton's
// transport, the constructors, call, the Clerk's loops), not course code.

// port runs the command on src and returns its exit status, output and
// the destination directory.
func port(t *testing.T, src string, extra ...string) (int, string, string) {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out")
	var out, errOut bytes.Buffer
	code := run(append([]string{"-src", src, "-dst", dst, "-v"}, extra...), &out, &errOut)
	return code, out.String() + errOut.String(), dst
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantContains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func wantLacks(t *testing.T, what, got string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(got, b) {
			t.Errorf("%s still has %q:\n%s", what, b, got)
		}
	}
}

const paxos2015 = `package paxos

import "net"
import "net/rpc"
import "log"
import "os"
import "sync"

type Paxos struct {
	mu    sync.Mutex
	l     net.Listener // the socket
	dead  int32
	peers []string
	me    int
}

func (px *Paxos) self() string {
	return px.peers[px.me]
}

func (px *Paxos) prepare(peer string, seq int) bool {
	var reply PrepareReply
	return call(peer, "Paxos.Prepare", &PrepareArgs{Seq: seq}, &reply)
}

func (px *Paxos) Start(seq int, v interface{}) {
	for _, p := range px.peers {
		go px.prepare(p, seq)
	}
}

func (px *Paxos) Kill() {
	if px.l != nil {
		px.l.Close()
	}
}

func call(srv string, name string, args interface{}, reply interface{}) bool {
	c, err := rpc.Dial("unix", srv)
	if err != nil {
		return false
	}
	defer c.Close()
	return c.Call(name, args, reply) == nil
}

func Make(peers []string, me int, rpcs *rpc.Server) *Paxos {
	px := &Paxos{}
	px.peers = peers
	px.me = me
	if rpcs != nil {
		rpcs.Register(px)
	} else {
		rpcs = rpc.NewServer()
		rpcs.Register(px)
		os.Remove(peers[me])
		l, e := net.Listen("unix", peers[me])
		if e != nil {
			log.Fatal("listen error: ", e)
		}
		px.l = l
		go func() {
			for {
				conn, err := px.l.Accept()
				if err == nil {
					go rpcs.ServeConn(conn)
				}
			}
		}()
	}
	return px
}
`

const paxosRPC2015 = `package paxos

type PrepareArgs struct{ Seq int }
type PrepareReply struct{ OK bool }

func (px *Paxos) Prepare(args *PrepareArgs, reply *PrepareReply) error {
	reply.OK = true
	return nil
}
`

const kvpaxos2015 = `package kvpaxos

import "net"
import "net/rpc"
import "log"
import "os"
import "pods/paxos"

type KVPaxos struct {
	l  net.Listener
	me int
	px *paxos.Paxos
}

func (kv *KVPaxos) kill() {
	kv.l.Close()
	kv.px.Kill()
}

func StartServer(servers []string, me int) *KVPaxos {
	kv := new(KVPaxos)
	kv.me = me
	rpcs := rpc.NewServer()
	rpcs.Register(kv)
	kv.px = paxos.Make(servers, me, rpcs)
	os.Remove(servers[me])
	l, e := net.Listen("unix", servers[me])
	if e != nil {
		log.Fatal("listen error: ", e)
	}
	kv.l = l
	go func() {
		for {
			conn, err := kv.l.Accept()
			if err == nil {
				go rpcs.ServeConn(conn)
			}
		}
	}()
	return kv
}
`

// TestPortsPaxos2015: the transport goes, the addresses become ends down
// to the student's own helpers (prepare's peer, self's result), and the
// package imports this module's paxos.
func TestPortsPaxos2015(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{
		"src/paxos/paxos.go":     paxos2015,
		"src/paxos/rpc.go":       paxosRPC2015,
		"src/paxos/test_test.go": "package paxos\n",
		"src/kvpaxos/server.go":  kvpaxos2015,
	})
	code, out, dst := port(t, src)
	if code != exitPorted {
		t.Fatalf("exit %d, want %d:\n%s", code, exitPorted, out)
	}
	px := read(t, filepath.Join(dst, "paxos", "paxos.go"))
	wantContains(t, "paxos.go", px,
		"peers []*labrpc.ClientEnd",
		"func Make(peers []*labrpc.ClientEnd, me int) *Paxos",
		"return srv.Call(name, args, reply)",
		"func (px *Paxos) prepare(peer *labrpc.ClientEnd, seq int) bool",
		"func (px *Paxos) self() *labrpc.ClientEnd",
		`"distlabs/labrpc"`,
	)
	wantLacks(t, "paxos.go", px, "net.Listener", "rpcs", "Accept", `"net/rpc"`, `"os"`, `"log"`, "px.l")
	if _, err := os.Stat(filepath.Join(dst, "paxos", "test_test.go")); err == nil {
		t.Errorf("the student's test file was ported; the grader's tests replace it")
	}
	kv := read(t, filepath.Join(dst, "paxos", "kvpaxos", "server.go"))
	wantContains(t, "kvpaxos/server.go", kv,
		`"distlabs/paxos"`,
		"func StartServer(servers []*labrpc.ClientEnd, me int) *KVPaxos",
		"kv.px = paxos.Make(servers, me)",
		"kv.px.Kill()",
	)
	wantLacks(t, "kvpaxos/server.go", kv, "rpcs", "kv.l", "net.Listen", `"pods/paxos"`)
}

const pbserver2015 = `package pbservice

import "net"
import "net/rpc"
import "viewservice"
import "sync"

type PBServer struct {
	mu   sync.Mutex
	l    net.Listener
	me   string
	vs   *viewservice.Clerk
	view viewservice.View
}

func (pb *PBServer) forward(key string) bool {
	var reply GetReply
	return call(pb.view.Backup, "PBServer.Get", &GetArgs{Key: key}, &reply)
}

func (pb *PBServer) kill() {
	pb.l.Close()
}

func StartServer(vshost string, me string) *PBServer {
	pb := new(PBServer)
	pb.me = me
	pb.vs = viewservice.MakeClerk(me, vshost)
	rpcs := rpc.NewServer()
	rpcs.Register(pb)
	l, e := net.Listen("unix", pb.me)
	if e != nil {
		pb.kill()
	}
	pb.l = l
	return pb
}
`

const pbclient2015 = `package pbservice

import "viewservice"
import "net/rpc"

type Clerk struct {
	vs      *viewservice.Clerk
	primary string
}

type GetArgs struct{ Key string }
type GetReply struct{ Value string }

func MakeClerk(vshost string, me string) *Clerk {
	ck := new(Clerk)
	ck.vs = viewservice.MakeClerk(me, vshost)
	return ck
}

func call(srv string, rpcname string,
	args interface{}, reply interface{}) bool {
	c, errx := rpc.Dial("unix", srv)
	if errx != nil {
		return false
	}
	defer c.Close()
	return c.Call(rpcname, args, reply) == nil
}

func (ck *Clerk) Get(key string) string {
	for {
		var reply GetReply
		if call(ck.primary, "PBServer.Get", &GetArgs{Key: key}, &reply) {
			return reply.Value
		}
	}
}

func helper() bool {
	return call("x", "PBServer.Get", nil, nil)
}
`

// TestPortsPBService2015: package pbkv, makeEnd in the constructors, one
// end per name through ends, Kill, and a Clerk the harness can stop; the
// call outside a method is left to a human, by file and line.
func TestPortsPBService2015(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{
		"pbservice/server.go":   pbserver2015,
		"pbservice/client.go":   pbclient2015,
		"viewservice/server.go": "package viewservice\n\nimport \"net\"\n\ntype ViewServer struct{ l net.Listener }\n\nfunc (vs *ViewServer) Kill() { vs.l.Close() }\n",
		"viewservice/client.go": "package viewservice\n\nfunc MakeClerk(me string, server string) *Clerk { return nil }\n",
	})
	code, out, dst := port(t, src)
	if code != exitByHand {
		t.Fatalf("exit %d, want %d:\n%s", code, exitByHand, out)
	}
	// the call outside a method, by the student's line and, as the type
	// check finds it, by the ported file's
	wantContains(t, "output", out, "client.go:40: call outside a method", "pbkv/client.go:45: not enough arguments in call to call")
	srv := read(t, filepath.Join(dst, "pbkv", "server.go"))
	wantContains(t, "pbkv/server.go", srv,
		"package pbkv",
		`"distlabs/viewservice"`,
		"func StartServer(vshost string, me string, makeEnd func(string) *labrpc.ClientEnd) *PBServer",
		"pb.ends = newEnds(makeEnd)",
		"viewservice.MakeClerk(me, vshost, makeEnd)",
		"call(pb.ends, pb.view.Backup,",
		"func (pb *PBServer) Kill()",
		"ends *ends",
	)
	wantLacks(t, "pbkv/server.go", srv, "rpcs", "net.Listen", "pb.l", "kill()")
	cl := read(t, filepath.Join(dst, "pbkv", "client.go"))
	wantContains(t, "pbkv/client.go", cl,
		"func MakeClerk(vshost string, makeEnd func(string) *labrpc.ClientEnd) *Clerk",
		`me := ""`,
		"viewservice.MakeClerk(me, vshost, makeEnd)",
		"for !ck.stopped.Load() {",
		"return *new(string)",
		"stopped atomic.Bool",
		"return e.call(srv, rpcname, args, reply)",
		`"sync/atomic"`,
	)
	for _, f := range []string{"port_ends.go", "port_shutdown.go"} {
		if _, err := os.Stat(filepath.Join(dst, "pbkv", f)); err != nil {
			t.Errorf("%s not added: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "viewservice", "client.go")); err == nil {
		t.Errorf("the 2015 viewservice client.go was ported; the kit's is kept")
	}
}

const shardmaster2015 = `package shardmaster

import "net"
import "paxos"

type ShardMaster struct {
	l  net.Listener
	px *paxos.Paxos
}

func StartServer(servers []string, me int) *ShardMaster {
	sm := new(ShardMaster)
	sm.px = paxos.Make(servers, me, nil)
	return sm
}
`

const shardkv2015 = `package shardkv

import "net/rpc"
import "paxos"
import "shardmaster"

type ShardKV struct {
	px *paxos.Paxos
	sm *shardmaster.Clerk
}

type Clerk struct {
	sm *shardmaster.Clerk
}

func (kv *ShardKV) fetch(srv string) bool {
	return call(srv, "ShardKV.Fetch", nil, nil)
}

func StartServer(gid int64, shardmasters []string,
	servers []string, me int) *ShardKV {
	kv := &ShardKV{}
	kv.sm = shardmaster.MakeClerk(shardmasters)
	kv.px = paxos.Make(servers, me, nil)
	return kv
}

func MakeClerk(shardmasters []string) *Clerk {
	ck := new(Clerk)
	ck.sm = shardmaster.MakeClerk(shardmasters)
	return ck
}

func call(srv string, rpcname string, args interface{}, reply interface{}) bool {
	c, err := rpc.Dial("unix", srv)
	if err != nil {
		return false
	}
	defer c.Close()
	return c.Call(rpcname, args, reply) == nil
}
`

// TestPortsShardKV2015: the 2015 lab 4 lands under paxos/; the shardkv
// constructors take ends and makeEnd, servers named in configurations
// are reached through ends, and the shardmaster gets the Paxos accessor
// the shardkv harness needs.
func TestPortsShardKV2015(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{
		"shardmaster/server.go": shardmaster2015,
		"shardkv/server.go":     shardkv2015,
	})
	code, out, dst := port(t, src)
	if code == exitFailed {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	wantContains(t, "output", out, "shardkv -> paxos/shardkv/", "shardmaster -> paxos/shardmaster/")
	kv := read(t, filepath.Join(dst, "paxos", "shardkv", "server.go"))
	wantContains(t, "shardkv/server.go", kv,
		`"distlabs/paxos/shardmaster"`,
		"func StartServer(gid int64, shardmasters []*labrpc.ClientEnd, servers []*labrpc.ClientEnd, me int, makeEnd func(string) *labrpc.ClientEnd) *ShardKV",
		"kv.ends = newEnds(makeEnd)",
		"ck.ends = newEnds(makeEnd)",
		"func MakeClerk(shardmasters []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) *Clerk",
		"call(kv.ends, srv,",
		"paxos.Make(servers, me)",
	)
	wantContains(t, "port_paxos.go", read(t, filepath.Join(dst, "paxos", "shardmaster", "port_paxos.go")), "func (sm *ShardMaster) Paxos() *paxos.Paxos")
	if _, err := os.Stat(filepath.Join(dst, "paxos", "shardkv", "port_ends.go")); err != nil {
		t.Errorf("port_ends.go not added: %v", err)
	}
}

// TestPorts2022: only the imports change, and the course's config.go
// goes where our tests define their own config (kvraft), not in raft.
func TestPorts2022(t *testing.T) {
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{
		"src/go.mod":           "module 6.824\n",
		"src/raft/raft.go":     "package raft\n\nimport \"6.824/labrpc\"\n\nvar _ *labrpc.ClientEnd\n",
		"src/raft/config.go":   "package raft\n\nfunc make_config() {}\n",
		"src/kvraft/server.go": "package kvraft\n\nimport (\n\t\"6.824/labgob\"\n\t\"6.824/raft\"\n)\n\nvar _ = labgob.Register\nvar _ *raft.Raft\n",
		"src/kvraft/config.go": "package kvraft\n\nfunc make_config() {}\n",
	})
	code, out, dst := port(t, src)
	if code != exitPorted {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	wantContains(t, "output", out, "6.824 (2022) tree")
	wantContains(t, "raft/raft.go", read(t, filepath.Join(dst, "raft", "raft.go")), `"distlabs/labrpc"`)
	wantContains(t, "kvraft/server.go", read(t, filepath.Join(dst, "raft", "kvraft", "server.go")), `"distlabs/labrpc/labgob"`, `"distlabs/raft"`)
	if _, err := os.Stat(filepath.Join(dst, "raft", "config.go")); err != nil {
		t.Errorf("raft's config.go was dropped: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "raft", "kvraft", "config.go")); err == nil {
		t.Errorf("kvraft's config.go was ported; it collides with our config_test.go")
	}
}

// TestExitStatus: -h succeeds, a bad command line, a tree without a
// course package and a non-empty destination fail with status 2.
func TestExitStatus(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-h"}, &out, &out); code != exitPorted || !strings.Contains(out.String(), "-src") {
		t.Errorf("-h: exit %d, output %q", code, out.String())
	}
	if code := run(nil, &out, &out); code != exitFailed {
		t.Errorf("no -src: exit %d, want %d", code, exitFailed)
	}
	empty := t.TempDir()
	testutil.WriteFiles(t, empty, map[string]string{"main/main.go": "package main\n"})
	if code, out, _ := port(t, empty); code != exitFailed || !strings.Contains(out, "no 6.824 package") {
		t.Errorf("no course package: exit %d:\n%s", code, out)
	}
	src := t.TempDir()
	testutil.WriteFiles(t, src, map[string]string{"paxos/paxos.go": "package paxos\n"})
	full := t.TempDir()
	testutil.WriteFiles(t, full, map[string]string{"x": ""})
	if code := run([]string{"-src", src, "-dst", full}, &out, &out); code != exitFailed {
		t.Errorf("non-empty destination: exit %d, want %d", code, exitFailed)
	}
	mixed := t.TempDir()
	testutil.WriteFiles(t, mixed, map[string]string{"paxos/paxos.go": "package paxos\n", "raft/raft.go": "package raft\n"})
	if code, out, _ := port(t, mixed); code != exitFailed || !strings.Contains(out, "both") {
		t.Errorf("2015 and 2022 in one tree: exit %d:\n%s", code, out)
	}
}

// TestApplyEdits: edits inside a removed range are dropped, insertions
// keep their order, partial overlaps are refused.
func TestApplyEdits(t *testing.T) {
	src := []byte("abcdefgh")
	got, err := applyEdits(src, []edit{{2, 5, ""}, {3, 4, "X"}, {6, 6, "1"}, {6, 6, "2"}})
	if err != nil || string(got) != "abf12gh" {
		t.Errorf("got %q, %v; want \"abf12gh\"", got, err)
	}
	if _, err := applyEdits(src, []edit{{1, 4, ""}, {3, 6, ""}}); err == nil {
		t.Errorf("partial overlap accepted")
	}
}
