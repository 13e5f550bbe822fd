package kvpaxos

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"distlabs/labrpc"
)

//solution:begin B

// retryPause is how long a Clerk waits after every server in turn has
// failed to serve a request, so that a Clerk cut off from a majority does
// not spin (in virtual time a spinning goroutine also stops the clock).
const retryPause = 50 * time.Millisecond

//solution:end

// A Clerk sends one client's requests to the service. It handles one
// request at a time: make one Clerk per concurrent client.
type Clerk struct {
	servers []*labrpc.ClientEnd
	//solution:begin B
	clientID int64 // random, so clerks never collide in the duplicate tables
	seq      int64 // sequence number of the latest request
	next     int   // index in servers to try first
	//solution:end
}

//solution:begin B

// newClientID returns a random 62-bit identifier, random rather than a
// counter so clerks of different processes cannot share one.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("kvpaxos: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

//solution:end

// MakeClerk returns a Clerk that talks to the given servers, in any order.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	ck := &Clerk{servers: servers}
	//solution:begin B
	ck.clientID = newClientID()
	//solution:end
	return ck
}

// Get returns the value of key, or "" if the key was never written. It
// keeps trying, server after server, until one answers (like a 2015 Clerk,
// it never gives up).
func (ck *Clerk) Get(key string) string {
	//solution:begin B
	ck.seq++
	args := GetArgs{Key: key, ClientID: ck.clientID, Seq: ck.seq}
	for failures := 0; ; failures++ {
		var reply GetReply
		if ck.servers[ck.next].Call("KVPaxos.Get", &args, &reply) {
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
	// // Your code here (B).
	// return ""
	//solution:end
}

// PutAppend sends a Put or Append (op is "Put" or "Append") and returns
// once the service has applied it, exactly once. Any other op is refused by
// the servers with ErrBadOp; PutAppend then returns without retrying and
// nothing changes.
func (ck *Clerk) PutAppend(key string, value string, op string) {
	//solution:begin B
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Op: op, ClientID: ck.clientID, Seq: ck.seq}
	for failures := 0; ; failures++ {
		var reply PutAppendReply
		if ck.servers[ck.next].Call("KVPaxos.PutAppend", &args, &reply) && (reply.Err == OK || reply.Err == ErrBadOp) {
			return
		}
		ck.nextServer(failures)
	}
	//solution:stub
	// // Your code here (B).
	//solution:end
}

//solution:begin B

// nextServer moves on after a failed attempt, pausing after every full
// round of failures.
func (ck *Clerk) nextServer(failures int) {
	ck.next = (ck.next + 1) % len(ck.servers)
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
