// Package chord (this file) is the adapter a TA drops into the kit's
// chord/ directory, in place of the reference, to grade CS 138 Chord code
// of the Go era (2015-2016: net/rpc) with the kit's suite. The course's
// code goes, unchanged but for two imports ("net/rpc" becomes
// "distlabs/test/port/rpc", the course's cs138 package becomes
// "distlabs/test/port/cs138"), into chord/course/; test/port/chord/port.sh
// does both steps.
//
// The adapter gives the suite the kit's API (MakeNode, Create, Join,
// Leave, Kill, the accessors and the wire types the tests send) in terms
// of the course's exported skeleton only: CreateNode, ShutdownNode, Get,
// Put, HashKey, Between, BetweenRightIncl, the Node fields Successor,
// Predecessor, FingerTable, Listener and IsShutdown, and the *_RPC
// callers of the given node_rpc_api.go. It computes nothing a student
// writes: every answer comes from the student's code, and what the course
// does not offer is said below where it is decided.
//
//   - The ring's size is the course's KEY_LENGTH: HashKey(key, m) for any
//     other m returns nil, and a node cannot be made on such a ring.
//   - The course keeps one successor; Successors walks the ring from it
//     with GetSuccessorId_RPC, so the list is what R-1 further hops of the
//     student's ring give.
//   - The course runs its periodic tasks on its own tickers and has no
//     one-round call: Stabilize, FixFingers and CheckPredecessor wait one
//     period instead, so the scripted schedules of rules_test.go are not
//     exact for a port.
//   - Kill sets IsShutdown and closes the listener (the course has no
//     crash); the node's loops end at their next tick.
//   - Keys and the direct Get the tests send ask the node's GetLocal (by
//     Get_RPC) about every key put through the adapter: a node holds a key
//     if it answers a non-empty value.
package chord

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
	"math/big"
	"sync"
	"time"

	course "distlabs/chord/course"
	"distlabs/labrpc"
	"distlabs/test/port/cs138"
	"distlabs/test/port/rpc"
)

// Config is the kit's ring configuration. M must be the course's
// KEY_LENGTH; the intervals are the course's own (it ignores these).
type Config struct {
	M, R                     int
	StabilizeInterval        time.Duration
	FixFingersInterval       time.Duration
	CheckPredecessorInterval time.Duration
}

// DefaultConfig is the kit's default ring with the course's periods.
func DefaultConfig() Config {
	return Config{M: int(course.KEY_LENGTH), R: 3, StabilizeInterval: 100 * time.Millisecond,
		FixFingersInterval: 90 * time.Millisecond, CheckPredecessorInterval: 100 * time.Millisecond}
}

// RemoteNode names a node.
type RemoteNode struct {
	Id   []byte
	Addr string
}

// String prints r as the kit does.
func (r RemoteNode) String() string { return IDString(r.Id) + "@" + r.Addr }

func same(a, b RemoteNode) bool { return bytes.Equal(a.Id, b.Id) && a.Addr == b.Addr }

func fromCourse(r *course.RemoteNode) RemoteNode {
	if r == nil {
		return RemoteNode{}
	}
	return RemoteNode{Id: r.Id, Addr: r.Addr}
}

func toCourse(r RemoteNode) *course.RemoteNode { return &course.RemoteNode{Id: r.Id, Addr: r.Addr} }

// FingerEntry is one finger as the tests read it.
type FingerEntry struct {
	Start []byte
	Node  RemoteNode
}

// Errors of the kit's API.
var (
	ErrKilled      = errors.New("chord: node is killed")
	ErrUnreachable = errors.New("chord: no node answered")
	ErrKeyNotFound = errors.New("chord: key not found")
)

// IDBytes, IDString, HashKey, Between, BetweenRightIncl and FingerStart:
// the course's, on its own ring size.

func IDBytes(m int) int { return (m + 7) / 8 }

func IDString(id []byte) string { return hex.EncodeToString(id) }

func HashKey(key string, m int) []byte {
	if m != int(course.KEY_LENGTH) {
		return nil
	}
	return course.HashKey(key)
}

func Between(x, a, b []byte) bool { return course.Between(x, a, b) }

func BetweenRightIncl(x, a, b []byte) bool { return course.BetweenRightIncl(x, a, b) }

// FingerStart is n + 2^i mod 2^m: the skeleton's fingerMath is unexported,
// so the arithmetic test (A) grades this adapter's, not the student's; the
// port gets those points for free, and the README says so.
func FingerStart(n []byte, i, m int) []byte {
	x := new(big.Int).SetBytes(n)
	x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(i)))
	x.Mod(x, new(big.Int).Lsh(big.NewInt(1), uint(m)))
	return x.FillBytes(make([]byte, IDBytes(m)))
}

// keysPut is every key put through the adapter, for Keys.
var keysPut = struct {
	sync.Mutex
	keys map[string]bool
}{keys: map[string]bool{}}

// Node is one course node behind the kit's API.
type Node struct {
	addr    string
	conf    Config
	self    RemoteNode
	mu      sync.Mutex
	c       *course.Node
	killed  bool
	makeEnd func(string) *labrpc.ClientEnd
}

// MakeNode makes the node at addr; the course node is made by Create or
// Join (the course's CreateNode does both).
func MakeNode(addr string, conf Config, makeEnd func(string) *labrpc.ClientEnd) *Node {
	rpc.UseNetwork(makeEnd)
	return &Node{addr: addr, conf: conf, self: RemoteNode{Id: HashKey(addr, conf.M), Addr: addr}, makeEnd: makeEnd}
}

// Self names the node.
func (n *Node) Self() RemoteNode { return n.self }

// Host is the labrpc service of the node's address: calls of the rpc shim
// arrive through Serve; the other methods are the tests' direct calls.
type Host struct {
	n *Node
	h rpc.Host
}

// RPC returns the service the harness serves at the node's address.
func (n *Node) RPC() *Host { return &Host{n: n} }

// Serve hands a call of the rpc shim to the course's handlers.
func (h *Host) Serve(req *rpc.Request, resp *rpc.Response) error { return h.h.Serve(req, resp) }

func (n *Node) course() *course.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.c
}

func (n *Node) open(parent *course.RemoteNode) error {
	if n.self.Id == nil {
		return fmt.Errorf("chord: the course's ring has KEY_LENGTH = %d bits, the test wants %d", course.KEY_LENGTH, n.conf.M)
	}
	return cs138.At(n.addr, func() error {
		c, err := course.CreateNode(parent)
		if err != nil {
			return fmt.Errorf("CreateNode at %s: %w", n.addr, err)
		}
		n.mu.Lock()
		n.c = c
		n.mu.Unlock()
		return nil
	})
}

// Create makes the first node of a ring.
func (n *Node) Create() {
	if err := n.open(nil); err != nil {
		log.Printf("chord adapter: %v", err)
	}
}

// Join makes the node and joins it through known.
func (n *Node) Join(known RemoteNode) error { return n.open(toCourse(known)) }

// Leave shuts the node down gracefully (the course's ShutdownNode).
func (n *Node) Leave() error {
	c := n.course()
	if c == nil {
		return ErrKilled
	}
	course.ShutdownNode(c)
	return nil
}

// Kill stops the node as the course's loops allow: IsShutdown and the
// listener closed.
func (n *Node) Kill() {
	c := n.course()
	n.mu.Lock()
	already := n.killed
	n.killed = true
	n.mu.Unlock()
	if c == nil || already {
		return
	}
	c.IsShutdown = true
	_ = c.Listener.Close() // a second close (after ShutdownNode) is harmless
}

// Successors is the node's successor followed by R-1 further hops of
// GetSuccessorId_RPC.
func (n *Node) Successors() []RemoteNode {
	c := n.course()
	if c == nil || c.Successor == nil {
		return nil
	}
	s := c.Successor
	list := []RemoteNode{fromCourse(s)}
	for len(list) < n.conf.R {
		next, err := course.GetSuccessorId_RPC(s)
		if err != nil || next == nil {
			break
		}
		list = append(list, fromCourse(next))
		s = next
	}
	return list
}

// Predecessor is the node's predecessor, if it has one.
func (n *Node) Predecessor() (RemoteNode, bool) {
	c := n.course()
	if c == nil || c.Predecessor == nil {
		return RemoteNode{}, false
	}
	return fromCourse(c.Predecessor), true
}

// Fingers is the course's finger table, numbered from 0 (a table of M+1
// entries, numbered from 1 as the paper does, loses its entry 0).
func (n *Node) Fingers() []FingerEntry {
	c := n.course()
	if c == nil {
		return nil
	}
	ft := c.FingerTable
	if len(ft) == n.conf.M+1 {
		ft = ft[1:]
	}
	fs := make([]FingerEntry, len(ft))
	for i, f := range ft {
		fs[i] = FingerEntry{Start: f.Start, Node: fromCourse(f.Node)}
	}
	return fs
}

// Keys is every key put through the adapter that the node holds.
func (n *Node) Keys() map[string]string {
	keysPut.Lock()
	keys := make([]string, 0, len(keysPut.keys))
	for k := range keysPut.keys {
		keys = append(keys, k)
	}
	keysPut.Unlock()
	held := map[string]string{}
	for _, k := range keys {
		if v, err := course.Get_RPC(toCourse(n.self), k); err == nil && v != "" {
			held[k] = v
		}
	}
	return held
}

// coursePeriod is a little more than the longest period of the course's
// tickers (stabilize every 100 ms, fix fingers every 90 ms), whatever the
// test's Config says: the course's periods are constants.
const coursePeriod = 110 * time.Millisecond

// Stabilize, FixFingers and CheckPredecessor wait one period of the
// course's tickers: the course has no one-round call.
func (n *Node) Stabilize()        { time.Sleep(coursePeriod) }
func (n *Node) FixFingers()       { time.Sleep(coursePeriod) }
func (n *Node) CheckPredecessor() { time.Sleep(coursePeriod) }

// Get and Put are the course's.
func Get(n *Node, key string) (string, error) {
	c := n.course()
	if c == nil {
		return "", ErrKilled
	}
	return course.Get(c, key)
}

func Put(n *Node, key, value string) error {
	c := n.course()
	if c == nil {
		return ErrKilled
	}
	keysPut.Lock()
	keysPut.keys[key] = true
	keysPut.Unlock()
	return course.Put(c, key, value)
}

// The wire types the tests send, and the direct calls, each made with the
// course's *_RPC caller.

type RemoteQuery struct{ Id, Query []byte }

type FindReply struct {
	Node RemoteNode
	Hops int
}

type IdReply struct {
	Id    []byte
	Addr  string
	Valid bool
}

type NotifyReq struct {
	Id       []byte
	Node     RemoteNode
	WantKeys bool
}

type NotifyReply struct{ Accepted bool }

type KeyValueReq struct {
	Id         []byte
	Key, Value string
}

type KeyValueReply struct{ Value, Err string }

const (
	OK           = ""
	ErrNoKey     = "ErrNoKey"
	ErrWrongNode = "ErrWrongNode"
)

func (h *Host) FindSuccessor(req *RemoteQuery, reply *FindReply) error {
	r, err := course.FindSuccessor_RPC(toCourse(h.n.self), req.Query)
	if err != nil {
		return err
	}
	reply.Node = fromCourse(r)
	return nil
}

func (h *Host) ClosestPrecedingFinger(req *RemoteQuery, reply *IdReply) error {
	r, err := course.ClosestPrecedingFinger_RPC(toCourse(h.n.self), req.Query)
	if err != nil {
		return err
	}
	reply.Id, reply.Addr, reply.Valid = r.Id, r.Addr, r != nil && r.Id != nil
	return nil
}

// Notify tells the node about req.Node; it was accepted if the node's
// predecessor became req.Node.
func (h *Host) Notify(req *NotifyReq, reply *NotifyReply) error {
	before, had := h.n.Predecessor()
	if err := course.Notify_RPC(toCourse(h.n.self), toCourse(req.Node)); err != nil {
		return err
	}
	after, has := h.n.Predecessor()
	reply.Accepted = has && same(after, req.Node) && !(had && same(before, req.Node))
	return nil
}

// Get reports whether the node holds req.Key (the course's nodes store
// only the keys they own).
func (h *Host) Get(req *KeyValueReq, reply *KeyValueReply) error {
	v, err := course.Get_RPC(toCourse(h.n.self), req.Key)
	switch {
	case err != nil:
		return err
	case v == "":
		reply.Err = ErrWrongNode
	default:
		reply.Value = v
	}
	return nil
}
