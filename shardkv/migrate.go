//solution:file 4B

package shardkv

import (
	"sort"
	"sync"
	"time"

	"distlabs/labrpc"
	"distlabs/shardkv/shardctrler"
)

// pollInterval is how often a group's leader checks for a new
// configuration and drives the shard moves of the current one.
const pollInterval = 100 * time.Millisecond

// errNotReady means the server's group has not reached the configuration a
// shard request is about (or has moved past it); the caller retries.
const errNotReady = "ErrNotReady"

// PullArgs asks the previous owner of some shards for their data as of the
// end of configuration ConfigNum-1, i.e. as frozen by ConfigNum.
type PullArgs struct {
	ConfigNum int
	Shards    []int
}

// PullReply carries the shards' data and duplicate tables.
type PullReply struct {
	Err    Err
	Shards map[int]shard
}

// DeleteArgs tells the previous owner that the shards have arrived.
type DeleteArgs struct {
	ConfigNum int
	Shards    []int
}

// DeleteReply says whether the previous owner has deleted them.
type DeleteReply struct {
	Err Err
}

// Pull is the RPC a new owner sends to fetch shards. Any server of the
// group may answer: once a server has applied configuration ConfigNum,
// the shards it hands off are frozen until deleted, so every replica that
// reached ConfigNum holds the same data.
func (kv *ShardKV) Pull(args *PullArgs, reply *PullReply) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if kv.cur.Num != args.ConfigNum {
		reply.Err = errNotReady
		return
	}
	out := make(map[int]shard, len(args.Shards))
	for _, s := range args.Shards {
		if s < 0 || s >= shardctrler.NShards || kv.shards[s].State != handoff {
			reply.Err = errNotReady
			return
		}
		sh := kv.shards[s]
		out[s] = shard{State: serving, Data: copyData(sh.Data), LastSeq: copySeqs(sh.LastSeq)}
	}
	reply.Err, reply.Shards = OK, out
}

// Delete is the RPC a new owner sends once the shards are installed. The
// answer is OK when the copies are gone: this server moved past ConfigNum
// (it could not have while holding them), or reached it and has no longer
// a listed shard in handoff. Otherwise it puts the deletion in its log.
func (kv *ShardKV) Delete(args *DeleteArgs, reply *DeleteReply) {
	kv.mu.Lock()
	gone := kv.cur.Num > args.ConfigNum
	if kv.cur.Num == args.ConfigNum {
		gone = true
		for _, s := range args.Shards {
			if s >= 0 && s < shardctrler.NShards && kv.shards[s].State == handoff {
				gone = false
			}
		}
	}
	ready := kv.cur.Num >= args.ConfigNum
	kv.mu.Unlock()
	switch {
	case gone:
		reply.Err = OK
	case !ready:
		reply.Err = errNotReady
	default:
		if _, ok := kv.rsm.Submit(deleteCmd{ConfigNum: args.ConfigNum, Shards: args.Shards}); ok {
			reply.Err = OK
		} else {
			reply.Err = ErrWrongLeader
		}
	}
}

// reconfigure runs until Kill: on the leader, every pollInterval, it either
// proposes the next configuration (when every shard has settled) or drives
// the current one's moves.
func (kv *ShardKV) reconfigure() {
	ctrler := ctrlerLink{ends: kv.ctrlers}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	noopTerm := 0 // the last term in which this server committed a no-op
	for {
		select {
		case <-kv.done:
			return
		case <-tick.C:
		}
		// A new leader learns which entries of earlier terms are committed
		// only once an entry of its own term commits (Raft §5.4.2, §8).
		// Until then its applied state can lag behind what the other
		// groups have seen: after a whole group restarts it may still show
		// a shard as pulling from a group that has moved on and will never
		// answer, and with no client request to commit, it would wait
		// forever. So a new leader commits a no-op first.
		if term, leader := kv.rsm.Term(); leader && term != noopTerm {
			if _, ok := kv.rsm.Submit(noopCmd{}); ok {
				noopTerm = term
			}
		}
		// Work that made progress (a config applied, shards installed or
		// released) is usually followed by more: do it now rather than a
		// poll later. Only a change of the group's state counts, and there
		// are finitely many, so this ends.
		for kv.rsm.IsLeader() && !kv.killed() {
			before := kv.progressMark()
			kv.step(&ctrler)
			if kv.progressMark() == before {
				break
			}
		}
	}
}

// step does one round of reconfiguration work.
func (kv *ShardKV) step(ctrler *ctrlerLink) {
	kv.mu.Lock()
	num, prev := kv.cur.Num, kv.prev
	pulls := map[int][]int{} // previous owner's gid -> shards to fetch from it
	cleans := map[int][]int{}
	for s, sh := range kv.shards {
		switch sh.State {
		case pulling:
			pulls[prev.Shards[s]] = append(pulls[prev.Shards[s]], s)
		case cleanup:
			cleans[prev.Shards[s]] = append(cleans[prev.Shards[s]], s)
		}
	}
	stable := kv.stableLocked()
	kv.mu.Unlock()

	if stable {
		if next, ok := ctrler.queryOnce(num + 1); ok && next.Num == num+1 {
			kv.rsm.Submit(configCmd{Config: next})
		}
		return
	}
	var wg sync.WaitGroup
	for _, gid := range sortedKeys(pulls) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv.pull(prev.Groups[gid], num, pulls[gid])
		}()
	}
	for _, gid := range sortedKeys(cleans) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv.clean(prev.Groups[gid], num, cleans[gid])
		}()
	}
	wg.Wait()
}

// pull fetches shards from the first server of their previous owner that
// has them and installs them through the log.
func (kv *ShardKV) pull(servers []string, num int, shards []int) {
	args := PullArgs{ConfigNum: num, Shards: shards}
	for _, name := range servers {
		var reply PullReply
		if kv.end(name).Call("ShardKV.Pull", &args, &reply) && reply.Err == OK {
			kv.rsm.Submit(insertCmd{ConfigNum: num, Shards: reply.Shards})
			return
		}
	}
}

// clean asks the previous owner to delete shards we have installed, and
// records through the log that it did.
func (kv *ShardKV) clean(servers []string, num int, shards []int) {
	args := DeleteArgs{ConfigNum: num, Shards: shards}
	for _, name := range servers {
		var reply DeleteReply
		if kv.end(name).Call("ShardKV.Delete", &args, &reply) && reply.Err == OK {
			kv.rsm.Submit(cleanedCmd{ConfigNum: num, Shards: shards})
			return
		}
	}
}

// progressMark summarises the group's reconfiguration state: the config
// number and every shard's state.
func (kv *ShardKV) progressMark() [shardctrler.NShards + 1]int {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	var m [shardctrler.NShards + 1]int
	m[0] = kv.cur.Num
	for s, sh := range kv.shards {
		m[s+1] = int(sh.State)
	}
	return m
}

// end returns this server's end to the named server, made once.
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

// sortedKeys returns m's keys in increasing order, so that the RPCs of a
// round go out in an order the seed decides, not the map.
func sortedKeys(m map[int][]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}
