//solution:file

package shardkv

import (
	"maps"

	"distlabs/paxos/shardmaster"
)

// Kinds of Op: the Clerk's ("Put", "Append") and the group's own.
const (
	opGet     = "Get"
	opPut     = "Put"
	opAppend  = "Append"
	opConfig  = "Config"  // move to the next configuration
	opInstall = "Install" // a gained shard's data arrived
)

// Op is what a group's servers agree on, one per Paxos instance.
type Op struct {
	Kind     string
	Key      string
	Value    string
	ClientID int64
	Seq      int64

	Config shardmaster.Config // opConfig: the next configuration
	Num    int                // opInstall: the configuration the shard arrives in
	Shard  int                // opInstall
	Data   map[string]string  // opInstall: the shard's keys and values
	Dup    map[int64]int64    // opInstall: the old owner's duplicate table
}

// result is what applying an Op yields.
type result struct {
	Err   Err
	Value string
}

// state is a group's replicated state, the same on every server once it
// applied the same instances.
type state struct {
	config shardmaster.Config // current configuration
	prev   shardmaster.Config // the one before: who held a gained shard
	// pulling marks the shards this group owns in config but whose data
	// has not arrived yet: no request for them is served, and the next
	// configuration waits until none is left.
	pulling map[int]bool
	data    map[string]string
	// dup is the highest Seq applied per client. A client sends request
	// n+1 only after n returned, so anything at or below it is a retry;
	// the tables of the groups a shard came from are merged in, so a
	// retry after a move is still recognised.
	dup map[int64]int64
	// out holds the shards this group gave up, by the number of the last
	// configuration in which it held them: their data and the duplicate
	// table as they were then. The new owner fetches them from here.
	out map[int]map[int]shardCopy
}

// shardCopy is a shard as its old owner left it.
type shardCopy struct {
	Data map[string]string
	Dup  map[int64]int64
}

func newState() state {
	return state{
		config:  shardmaster.Config{Groups: map[int64][]string{}},
		pulling: map[int]bool{},
		data:    map[string]string{},
		dup:     map[int64]int64{},
		out:     map[int]map[int]shardCopy{},
	}
}

// machine is the ShardKV seen as an rsm.StateMachine; a separate type
// keeps Apply, Snapshot and Restore out of the RPC service.
type machine struct{ kv *ShardKV }

// Apply executes one decided Op.
func (m machine) Apply(command interface{}) interface{} {
	op, ok := command.(Op)
	if !ok {
		return result{Err: ErrNotReady}
	}
	kv := m.kv
	kv.mu.Lock()
	defer kv.mu.Unlock()
	st := &kv.st
	switch op.Kind {
	case opConfig:
		st.nextConfig(kv.gid, op.Config)
		return result{Err: OK}
	case opInstall:
		st.install(op)
		return result{Err: OK}
	}
	// A client request: served only for a shard this group owns now and
	// has the data of. The check is made here, in log order, so a
	// request decided after the shard left is refused on every server.
	shard := key2shard(op.Key)
	if st.config.Shards[shard] != kv.gid || st.pulling[shard] {
		return result{Err: ErrWrongGroup}
	}
	switch op.Kind {
	case opGet:
		v, ok := st.data[op.Key]
		if !ok {
			return result{Err: ErrNoKey}
		}
		return result{Err: OK, Value: v}
	case opPut, opAppend:
		if op.Seq <= st.dup[op.ClientID] {
			return result{Err: OK} // a retry of a request already applied
		}
		st.dup[op.ClientID] = op.Seq
		if op.Kind == opPut {
			st.data[op.Key] = op.Value
		} else {
			st.data[op.Key] += op.Value
		}
		return result{Err: OK}
	}
	return result{Err: ErrNotReady}
}

// nextConfig moves to c if it is the next configuration and every shard
// of the current one has arrived: shards lost are set aside for their new
// owners, shards gained from gid 0 start empty, the others are awaited.
func (st *state) nextConfig(gid int64, c shardmaster.Config) {
	if c.Num != st.config.Num+1 || len(st.pulling) > 0 {
		return // a duplicate, or proposed too early by a slower server
	}
	cur := st.config
	for s := 0; s < shardmaster.NShards; s++ {
		had, has := cur.Shards[s] == gid, c.Shards[s] == gid
		switch {
		case had && !has:
			cp := shardCopy{Data: map[string]string{}, Dup: maps.Clone(st.dup)}
			for k, v := range st.data {
				if key2shard(k) == s {
					cp.Data[k] = v
					delete(st.data, k)
				}
			}
			if st.out[cur.Num] == nil {
				st.out[cur.Num] = map[int]shardCopy{}
			}
			st.out[cur.Num][s] = cp
		case !had && has && cur.Shards[s] != 0:
			st.pulling[s] = true
		}
	}
	st.prev, st.config = cur, c
}

// install puts an awaited shard's data in place.
func (st *state) install(op Op) {
	if op.Num != st.config.Num || !st.pulling[op.Shard] {
		return // a duplicate
	}
	maps.Copy(st.data, op.Data)
	for c, seq := range op.Dup {
		st.dup[c] = max(st.dup[c], seq)
	}
	delete(st.pulling, op.Shard)
}

// Snapshot is never called: a Paxos log keeps no persisted state to trim
// (the RSM runs with snapshots off).
func (m machine) Snapshot() []byte { return nil }

// Restore is never called; see Snapshot.
func (m machine) Restore([]byte) {}
