package shardkv

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"distlabs/labrpc"
	"distlabs/paxos/shardmaster"
)

// retryInterval is the Clerk's pause before it asks the shardmaster for a
// newer configuration.
const retryInterval = 100 * time.Millisecond

// A Clerk sends Get, Put and Append to the group that serves the key's
// shard in the latest configuration it knows, asking the shardmaster for
// a newer one when no server of that group answers OK or ErrNoKey.
type Clerk struct {
	sm      *shardmaster.Clerk
	makeEnd func(name string) *labrpc.ClientEnd
	config  shardmaster.Config
	ends    map[string]*labrpc.ClientEnd // by server name, made once
	//solution:begin
	clientID int64
	seq      int64
	//solution:stub
	// // You'll have to modify Clerk.
	//solution:end
}

// key2shard returns the shard of key: its first byte mod NShards.
func key2shard(key string) int {
	shard := 0
	if len(key) > 0 {
		shard = int(key[0])
	}
	return shard % shardmaster.NShards
}

// MakeClerk returns a Clerk that asks the shardmaster replicas (their ends)
// for configurations and reaches a group's servers by the names the
// configuration lists, through makeEnd.
func MakeClerk(shardmasters []*labrpc.ClientEnd, makeEnd func(name string) *labrpc.ClientEnd) *Clerk {
	ck := &Clerk{
		sm:      shardmaster.MakeClerk(shardmasters),
		makeEnd: makeEnd,
		ends:    make(map[string]*labrpc.ClientEnd),
	}
	//solution:begin
	ck.clientID = newClientID()
	//solution:stub
	// // You'll have to modify MakeClerk.
	//solution:end
	return ck
}

//solution:begin

// newClientID returns a random id: clerks are made independently, with no
// coordination, so a random 62-bit id is unique in practice.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("shardkv: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

//solution:end

// end returns the Clerk's end to the named server.
func (ck *Clerk) end(name string) *labrpc.ClientEnd {
	e, ok := ck.ends[name]
	if !ok {
		e = ck.makeEnd(name)
		ck.ends[name] = e
	}
	return e
}

// Get fetches the current value for key, "" if there is none. It keeps
// trying forever.
func (ck *Clerk) Get(key string) string {
	args := &GetArgs{Key: key}
	for {
		shard := key2shard(key)
		gid := ck.config.Shards[shard]
		if servers, ok := ck.config.Groups[gid]; ok {
			// try each server of the shard's group.
			for _, srv := range servers {
				var reply GetReply
				ok := ck.end(srv).Call("ShardKV.Get", args, &reply)
				if ok && (reply.Err == OK || reply.Err == ErrNoKey) {
					return reply.Value
				}
				if ok && reply.Err == ErrWrongGroup {
					break
				}
			}
		}
		time.Sleep(retryInterval)
		// ask master for a new configuration.
		ck.config = ck.sm.Query(-1)
	}
}

// PutAppend sends a Put or an Append (op) and keeps trying until a server
// of the shard's group applied it.
func (ck *Clerk) PutAppend(key string, value string, op string) {
	args := &PutAppendArgs{Key: key, Value: value, Op: op}
	//solution:begin
	ck.seq++
	args.ClientID, args.Seq = ck.clientID, ck.seq
	//solution:stub
	// // You'll have to modify PutAppend.
	//solution:end
	for {
		shard := key2shard(key)
		gid := ck.config.Shards[shard]
		if servers, ok := ck.config.Groups[gid]; ok {
			for _, srv := range servers {
				var reply PutAppendReply
				ok := ck.end(srv).Call("ShardKV.PutAppend", args, &reply)
				if ok && reply.Err == OK {
					return
				}
				if ok && reply.Err == ErrWrongGroup {
					break
				}
			}
		}
		time.Sleep(retryInterval)
		ck.config = ck.sm.Query(-1)
	}
}

// Put sets key to value.
func (ck *Clerk) Put(key string, value string) {
	ck.PutAppend(key, value, "Put")
}

// Append appends value to key's value.
func (ck *Clerk) Append(key string, value string) {
	ck.PutAppend(key, value, "Append")
}
