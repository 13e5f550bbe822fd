package shardctrler

import (
	"crypto/rand"
	"encoding/binary"
	"time"

	"distlabs/labrpc"
)

//solution:begin 4A

// retryPause is how long a Clerk waits after every server in turn has failed
// a request (an election in progress, a partition). Without it the Clerk
// would spin on instant failures, which under virtual time also keeps the
// clock from reaching the next election.
const retryPause = 50 * time.Millisecond

//solution:end

// A Clerk talks to the configuration service. It handles one request at a
// time: make one Clerk per concurrent client.
type Clerk struct {
	servers []*labrpc.ClientEnd
	//solution:begin 4A
	clientID int64 // random, so restarted clients never collide in the dedup table
	seq      int64 // sequence number of the latest Join/Leave/Move
	leader   int   // index in servers of the last server that answered as leader
	//solution:stub
	// // Your data here (4A).
	//solution:end
}

//solution:begin 4A

// newClientID returns a random 62-bit client identifier.
func newClientID() int64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+).
		panic("shardctrler: crypto/rand failed: " + err.Error())
	}
	return int64(binary.LittleEndian.Uint64(b[:]) >> 2)
}

//solution:end

// MakeClerk returns a Clerk that talks to the given controller servers.
func MakeClerk(servers []*labrpc.ClientEnd) *Clerk {
	ck := &Clerk{servers: servers}
	//solution:begin 4A
	ck.clientID = newClientID()
	//solution:end
	return ck
}

// Query returns configuration num; -1 (or a number beyond the latest)
// returns the latest.
func (ck *Clerk) Query(num int) Config {
	//solution:begin 4A
	args := QueryArgs{Num: num}
	var cfg Config
	ck.call(func(srv *labrpc.ClientEnd) bool {
		var reply QueryReply
		ok := srv.Call("ShardCtrler.Query", &args, &reply) && !reply.WrongLeader && reply.Err == OK
		cfg = reply.Config
		return ok
	})
	return cfg
	//solution:stub
	// return Config{}
	//solution:end
}

// Join adds the replica groups in servers (gid -> server names).
func (ck *Clerk) Join(servers map[int][]string) {
	//solution:begin 4A
	ck.seq++
	args := JoinArgs{Servers: servers, ClientID: ck.clientID, Seq: ck.seq}
	ck.call(func(srv *labrpc.ClientEnd) bool {
		var reply JoinReply
		return srv.Call("ShardCtrler.Join", &args, &reply) && !reply.WrongLeader
	})
	//solution:stub
	// // Your code here (4A).
	//solution:end
}

// Leave removes the replica groups gids.
func (ck *Clerk) Leave(gids []int) {
	//solution:begin 4A
	ck.seq++
	args := LeaveArgs{GIDs: gids, ClientID: ck.clientID, Seq: ck.seq}
	ck.call(func(srv *labrpc.ClientEnd) bool {
		var reply LeaveReply
		return srv.Call("ShardCtrler.Leave", &args, &reply) && !reply.WrongLeader
	})
	//solution:stub
	// // Your code here (4A).
	//solution:end
}

// Move assigns shard to group gid.
func (ck *Clerk) Move(shard int, gid int) {
	//solution:begin 4A
	ck.seq++
	args := MoveArgs{Shard: shard, GID: gid, ClientID: ck.clientID, Seq: ck.seq}
	ck.call(func(srv *labrpc.ClientEnd) bool {
		var reply MoveReply
		return srv.Call("ShardCtrler.Move", &args, &reply) && !reply.WrongLeader
	})
	//solution:stub
	// // Your code here (4A).
	//solution:end
}

//solution:begin 4A

// call tries servers, starting with the last leader, until try succeeds
// (a leader answered); it pauses after every full round of failures. Like
// a 6.824 Clerk it never gives up.
func (ck *Clerk) call(try func(*labrpc.ClientEnd) bool) {
	for failures := 0; ; failures++ {
		if try(ck.servers[ck.leader]) {
			return
		}
		ck.leader = (ck.leader + 1) % len(ck.servers)
		if (failures+1)%len(ck.servers) == 0 {
			time.Sleep(retryPause)
		}
	}
}

//solution:end
