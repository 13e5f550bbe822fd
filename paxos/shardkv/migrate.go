//solution:file

package shardkv

import (
	"slices"
	"time"

	"distlabs/labrpc"
	"distlabs/paxos/shardmaster"
)

// pollInterval is how often a server asks the shardmaster for the next
// configuration, or its old owners for the shards it awaits.
const pollInterval = 100 * time.Millisecond

// FetchArgs asks a group for a shard it gave up: the one it held in
// configuration Num and no longer holds in Num+1.
type FetchArgs struct {
	Num   int
	Shard int
}

// FetchReply carries the shard as its old owner left it; Err is
// ErrNotReady while the old owner has not moved past Num.
type FetchReply struct {
	Err  Err
	Data map[string]string
	Dup  map[int64]int64
}

// Fetch is the RPC handler a new owner calls for a shard. Any server of
// the old group that applied configuration Num+1 has the shard set aside,
// and the copy never changes, so it answers from its own state.
func (kv *ShardKV) Fetch(args *FetchArgs, reply *FetchReply) error {
	if kv.killed() {
		return errKilled
	}
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.st.config.Num <= args.Num {
		reply.Err = ErrNotReady
		return nil
	}
	cp, ok := kv.st.out[args.Num][args.Shard]
	if !ok {
		reply.Err = ErrWrongGroup
		return nil
	}
	// The copy is never modified, so the reply may share its maps.
	reply.Err, reply.Data, reply.Dup = OK, cp.Data, cp.Dup
	return nil
}

// reconfigure moves the group through configurations, one at a time and in
// order, until Kill: with shards awaited it fetches them from their old
// owners and proposes their installation; otherwise it asks the
// shardmaster for the next configuration and proposes moving to it. Every
// server of the group does this; the log keeps the first of each and
// the state machine ignores the repeats.
func (kv *ShardKV) reconfigure() {
	defer kv.wg.Done()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-kv.stop:
			return
		case <-tick.C:
		}
		kv.mu.Lock()
		cur, prev := kv.st.config, kv.st.prev
		awaited := make([]int, 0, len(kv.st.pulling))
		for s := range kv.st.pulling {
			awaited = append(awaited, s)
		}
		kv.mu.Unlock()
		slices.Sort(awaited)
		if len(awaited) == 0 {
			if c, ok := kv.query(cur.Num + 1); ok && c.Num == cur.Num+1 {
				kv.rsm.Submit(Op{Kind: opConfig, Config: c})
			}
			continue
		}
		for _, s := range awaited {
			if reply, ok := kv.fetch(prev, s); ok {
				kv.rsm.Submit(Op{Kind: opInstall, Num: cur.Num, Shard: s, Data: reply.Data, Dup: reply.Dup})
			}
		}
	}
}

// query asks the shardmaster replicas, each once, for configuration num.
// Unlike the shardmaster's Clerk it gives up, so Kill is never stuck
// behind it.
func (kv *ShardKV) query(num int) (shardmaster.Config, bool) {
	for _, end := range kv.sm {
		if kv.killed() {
			break
		}
		var reply shardmaster.QueryReply
		if end.Call("ShardMaster.Query", &shardmaster.QueryArgs{Num: num}, &reply) {
			return reply.Config, true
		}
	}
	return shardmaster.Config{}, false
}

// fetch asks the servers of shard's owner in prev, each once, for it.
func (kv *ShardKV) fetch(prev shardmaster.Config, shard int) (FetchReply, bool) {
	for _, name := range prev.Groups[prev.Shards[shard]] {
		if kv.killed() {
			break
		}
		var reply FetchReply
		if kv.end(name).Call("ShardKV.Fetch", &FetchArgs{Num: prev.Num, Shard: shard}, &reply) && reply.Err == OK {
			return reply, true
		}
	}
	return FetchReply{}, false
}

// end returns this server's end to the named server of another group.
func (kv *ShardKV) end(name string) *labrpc.ClientEnd {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	e, ok := kv.ends[name]
	if !ok {
		e = kv.makeEnd(name)
		kv.ends[name] = e
	}
	return e
}
