package shardkv

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"distlabs/labrpc"
	"distlabs/shardkv/shardctrler"
)

// key2shard returns the shard of key: its first byte modulo NShards ("" is
// in shard 0).
func key2shard(key string) int {
	shard := 0
	if len(key) > 0 {
		shard = int(key[0])
	}
	shard %= shardctrler.NShards
	return shard
}

//solution:begin 4B

// retryPause is how long a Clerk waits before it fetches the configuration
// again, after the owning group answered ErrWrongGroup or none of its
// servers could serve the request.
const retryPause = 100 * time.Millisecond

//solution:end

// A Clerk sends a client's requests to the group that owns each key. A
// Clerk handles one request at a time: make one Clerk per concurrent client.
type Clerk struct {
	ctrlers []*labrpc.ClientEnd
	//solution:begin
	//solution:stub
	// //lint:ignore U1000 the latest configuration this Clerk knows (4B)
	//solution:end
	config  shardctrler.Config
	makeEnd func(string) *labrpc.ClientEnd
	//solution:begin 4B
	ctrler   ctrlerLink
	ends     map[string]*labrpc.ClientEnd // makeEnd's ends, made once per server
	leader   map[int]int                  // gid -> index of the server that last answered
	clientID int64                        // random, so clients never collide in dedup tables
	seq      int64                        // sequence number of the latest request
	//solution:stub
	// // Your data here (4B).
	//solution:end
}

//solution:begin 4B

// newClientID returns a random 62-bit client identifier.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("shardkv: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

//solution:end

// MakeClerk returns a Clerk that finds the configuration through the
// controller servers ctrlers and reaches a group's server by name with
// makeEnd.
func MakeClerk(ctrlers []*labrpc.ClientEnd, makeEnd func(string) *labrpc.ClientEnd) *Clerk {
	ck := &Clerk{ctrlers: ctrlers, makeEnd: makeEnd}
	//solution:begin 4B
	ck.ctrler = ctrlerLink{ends: ctrlers}
	ck.ends = make(map[string]*labrpc.ClientEnd)
	ck.leader = make(map[int]int)
	ck.clientID = newClientID()
	//solution:end
	return ck
}

// Get returns the value of key, or "" if it was never written. It keeps
// trying, through reconfigurations and failures, until a group answers.
func (ck *Clerk) Get(key string) string {
	//solution:begin 4B
	ck.seq++
	args := GetArgs{Key: key, ClientID: ck.clientID, Seq: ck.seq}
	var value string
	ck.send(key, func(srv *labrpc.ClientEnd) Err {
		var reply GetReply
		if !srv.Call("ShardKV.Get", &args, &reply) {
			return ErrWrongLeader
		}
		value = reply.Value
		return reply.Err
	})
	return value
	//solution:stub
	// return ""
	//solution:end
}

// PutAppend sends a Put or Append (op is "Put" or "Append") and returns
// once the owning group has applied it exactly once. Any other op is
// refused by the servers with ErrBadOp; PutAppend then returns without
// retrying and nothing changes.
func (ck *Clerk) PutAppend(key string, value string, op string) {
	//solution:begin 4B
	ck.seq++
	args := PutAppendArgs{Key: key, Value: value, Op: op, ClientID: ck.clientID, Seq: ck.seq}
	ck.send(key, func(srv *labrpc.ClientEnd) Err {
		var reply PutAppendReply
		if !srv.Call("ShardKV.PutAppend", &args, &reply) {
			return ErrWrongLeader
		}
		return reply.Err
	})
	//solution:stub
	// // Your code here (4B).
	//solution:end
}

//solution:begin 4B

// send tries the servers of the group that owns key's shard, starting with
// the last one that answered, until try returns OK, ErrNoKey or ErrBadOp; after
// ErrWrongGroup, or when no server answered, it fetches the latest
// configuration and starts over. Like a 6.824 Clerk it never gives up.
func (ck *Clerk) send(key string, try func(*labrpc.ClientEnd) Err) {
	shard := key2shard(key)
	for attempt := 0; ; attempt++ {
		gid := ck.config.Shards[shard]
		servers := ck.config.Groups[gid]
	group:
		for i := range servers {
			si := (ck.leader[gid] + i) % len(servers)
			switch try(ck.end(servers[si])) {
			case OK, ErrNoKey, ErrBadOp:
				ck.leader[gid] = si
				return
			case ErrWrongGroup:
				break group
			}
		}
		if attempt > 0 || ck.config.Num != 0 {
			// A fresh Clerk fetches its first configuration at once.
			time.Sleep(retryPause)
		}
		if cfg, ok := ck.ctrler.queryOnce(-1); ok {
			ck.config = cfg
		}
	}
}

// end returns the Clerk's end to the named server, made once.
func (ck *Clerk) end(name string) *labrpc.ClientEnd {
	e, ok := ck.ends[name]
	if !ok {
		e = ck.makeEnd(name)
		ck.ends[name] = e
	}
	return e
}

//solution:end

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.PutAppend(key, value, opPut)
}

// Append appends value to key's value (a missing key counts as "").
func (ck *Clerk) Append(key string, value string) {
	ck.PutAppend(key, value, opAppend)
}
