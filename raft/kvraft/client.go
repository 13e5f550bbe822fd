package kvraft

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"distlabs/labrpc"
)

//solution:begin 3A

// retryPause is how long a Clerk waits after every server in turn has failed
// to serve a request (no leader during an election, or a partition). Without
// it the Clerk would spin on instant ErrWrongLeader replies, and under virtual
// time a spinning goroutine also keeps the clock from ever reaching the next
// election timeout.
const retryPause = 20 * time.Millisecond

//solution:end

// A Clerk sends a client's requests to the service. A Clerk handles one
// request at a time: it is not safe for concurrent use (make one Clerk per
// concurrent client).
type Clerk struct {
	servers []*labrpc.ClientEnd
	//solution:begin 3A
	clientID int64 // random, so restarted clients never collide in the dedup table
	seq      int64 // sequence number of the latest request
	leader   int   // index in servers of the last server that answered as leader
	//solution:stub
	// // Your fields here (3A).
	//solution:end
}

//solution:begin 3A

// newClientID returns a random 62-bit identifier. Random rather than a
// counter so that clerks in different processes (or a restarted process)
// cannot reuse an id the servers' duplicate tables still remember.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("kvraft: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

//solution:end

// MakeClerk returns a Clerk that talks to the given servers, in any order.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	ck := &Clerk{servers: servers}
	//solution:begin 3A
	ck.clientID = newClientID()
	//solution:stub
	// // Your code here (3A).
	//solution:end
	return ck
}

// Get returns the value the service holds for key, or "" when the key was
// never written. Lost messages, a missing leader or a partition do not end
// it: it retries, server after server, until some leader answers.
func (ck *Clerk) Get(key string) string {
	//solution:begin 3A
	ck.seq++
	args := GetArgs{Key: key, ClientID: ck.clientID, Seq: ck.seq}
	for failures := 0; ; failures++ {
		var reply GetReply
		if ck.servers[ck.leader].Call("KVServer.Get", &args, &reply) {
			switch reply.Err {
			case OK:
				return reply.Value
			case ErrNoKey:
				return ""
			}
		}
		ck.nextServer(failures)
	}
	//solution:stub
	// // Your code here (3A).
	// return ""
	//solution:end
}

// PutAppend sends a Put or Append (op is "Put" or "Append") and returns once
// the service has applied it exactly once.
func (ck *Clerk) PutAppend(key string, value string, op string) {
	//solution:begin 3A
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Op: op, ClientID: ck.clientID, Seq: ck.seq}
	for failures := 0; ; failures++ {
		var reply PutAppendReply
		if ck.servers[ck.leader].Call("KVServer.PutAppend", &args, &reply) && reply.Err == OK {
			return
		}
		ck.nextServer(failures)
	}
	//solution:stub
	// // Your code here (3A).
	//solution:end
}

//solution:begin 3A

// nextServer moves on to the next server after a failed attempt, pausing
// once every full round of failures.
func (ck *Clerk) nextServer(failures int) {
	ck.leader = (ck.leader + 1) % len(ck.servers)
	if (failures+1)%len(ck.servers) == 0 {
		time.Sleep(retryPause)
	}
}

//solution:end

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.PutAppend(key, value, opPut)
}

// Append appends arg to key's value (a missing key counts as "").
func (ck *Clerk) Append(key string, arg string) {
	ck.PutAppend(key, arg, opAppend)
}
