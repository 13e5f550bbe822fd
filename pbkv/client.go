package pbkv

import (
	"crypto/rand"
	"encoding/binary"
	"sync/atomic"
	"time"

	"distlabs/labrpc"
	"distlabs/viewservice"
)

// A Clerk sends one client's requests to the primary. It handles one request
// at a time: make one Clerk per concurrent client.
//
// A Clerk retries until a primary answers. It never gives up on its own: a
// Clerk whose vshost is empty or names no server, or whose service has lost
// every copy of its data, retries forever (one attempt per PingInterval).
type Clerk struct {
	vs      *viewservice.Clerk
	makeEnd func(name string) *labrpc.ClientEnd
	// stopped is set by shutdown; it ends a request that would otherwise
	// retry forever, so a failed test leaves no goroutine behind.
	stopped atomic.Bool
	//solution:begin B
	ends     map[string]*labrpc.ClientEnd
	primary  string // the primary last heard of; kept while the view service is unreachable
	clientID int64
	seq      int64
	//solution:end
}

// MakeClerk returns a Clerk that asks the view service named vshost for the
// primary and reaches servers through ends made by makeEnd.
func MakeClerk(vshost string, makeEnd func(name string) *labrpc.ClientEnd) *Clerk {
	ck := &Clerk{vs: viewservice.MakeClerk("", vshost, makeEnd), makeEnd: makeEnd}
	//solution:begin B
	ck.ends = map[string]*labrpc.ClientEnd{}
	ck.clientID = newClientID()
	//solution:end
	return ck
}

//solution:begin B

// newClientID returns a random 62-bit id: random, so clerks of different
// processes never share an entry in the servers' duplicate tables.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("pbkv: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

// call sends one RPC to the current primary; false if there is none known
// or no reply arrived.
func (ck *Clerk) call(method string, args, reply interface{}) bool {
	if ck.primary == "" {
		return false
	}
	end, ok := ck.ends[ck.primary]
	if !ok {
		end = ck.makeEnd(ck.primary)
		ck.ends[ck.primary] = end
	}
	return end != nil && end.Call(method, args, reply)
}

// retry waits a ping interval and asks the view service for the primary.
// While the service is unreachable the last primary stays the guess.
func (ck *Clerk) retry() {
	time.Sleep(viewservice.PingInterval)
	if p := ck.vs.Primary(); p != "" {
		ck.primary = p
	}
}

//solution:end

// Get returns the value of key, or "" if it has none, as of some instant
// between the call and the return.
func (ck *Clerk) Get(key string) string {
	//solution:begin B
	if ck.primary == "" {
		ck.primary = ck.vs.Primary()
	}
	for !ck.stopped.Load() {
		var reply GetReply
		if ck.call("PBServer.Get", &GetArgs{Key: key}, &reply) {
			switch reply.Err {
			case OK:
				return reply.Value
			case ErrNoKey:
				return ""
			}
		}
		ck.retry()
	}
	//solution:end
	return ""
}

// PutAppend performs a Put or an Append (op "Put" or "Append") at most once
// and returns when it has been applied.
func (ck *Clerk) PutAppend(key string, value string, op string) {
	//solution:begin B
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Op: op, ClientID: ck.clientID, Seq: ck.seq}
	if ck.primary == "" {
		ck.primary = ck.vs.Primary()
	}
	for !ck.stopped.Load() {
		var reply PutAppendReply
		if ck.call("PBServer.PutAppend", &args, &reply) && (reply.Err == OK || reply.Err == ErrBadOp) {
			return
		}
		ck.retry()
	}
	//solution:stub
	// // Your code here (B).
	//solution:end
}

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.PutAppend(key, value, opPut)
}

// Append appends value to key's value (a missing key counts as "").
func (ck *Clerk) Append(key string, value string) {
	ck.PutAppend(key, value, opAppend)
}

// shutdown makes the request in progress, and every later one, return
// without a result. Tests use it to end clients; it is not part of the lab's
// Clerk API.
func (ck *Clerk) shutdown() {
	ck.stopped.Store(true)
}
