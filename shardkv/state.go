//solution:file 4B

package shardkv

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"distlabs/labrpc/labgob"
	"distlabs/shardkv/shardctrler"
)

// shardState is where a shard stands in this group's current configuration.
type shardState int

const (
	// absent: not ours, and we hold no data for it.
	absent shardState = iota
	// serving: ours, with its data.
	serving
	// pulling: ours in the current configuration, but the data is still
	// at the previous owner; requests get ErrWrongGroup until it arrives.
	pulling
	// handoff: ours in the previous configuration only; the data is
	// frozen and kept until the new owner has it and says to delete it.
	handoff
	// cleanup: ours and served, but the previous owner has not yet been
	// told to delete its copy.
	cleanup
)

// shard is one shard's data and duplicate table. Exported fields for gob.
type shard struct {
	State shardState
	Data  map[string]string
	// LastSeq: client id -> highest Put/Append sequence number applied to
	// this shard. It moves with the shard, so a retry that reaches the
	// new owner is recognised.
	LastSeq map[int64]int64
}

// Commands the group puts in its log besides client Ops.
type (
	// configCmd moves the group to the next configuration.
	configCmd struct{ Config shardctrler.Config }
	// insertCmd installs shards pulled from their previous owner.
	insertCmd struct {
		ConfigNum int
		Shards    map[int]shard
	}
	// deleteCmd drops handed-off shards once their new owner has them.
	deleteCmd struct {
		ConfigNum int
		Shards    []int
	}
	// cleanedCmd records that the previous owner deleted its copies.
	cleanedCmd struct {
		ConfigNum int
		Shards    []int
	}
	// noopCmd is a new leader's first entry (see reconfigure).
	noopCmd struct{}
)

var registerOnce sync.Once

// registerCommands tells labgob about the commands that travel through
// Raft inside an interface value.
func registerCommands() {
	registerOnce.Do(func() {
		labgob.Register(configCmd{})
		labgob.Register(insertCmd{})
		labgob.Register(deleteCmd{})
		labgob.Register(cleanedCmd{})
		labgob.Register(noopCmd{})
	})
}

// servesLocked reports whether the group serves shard s now; kv.mu held.
func (kv *ShardKV) servesLocked(s int) bool {
	st := kv.shards[s].State
	return kv.cur.Shards[s] == kv.gid && (st == serving || st == cleanup)
}

// stableLocked reports whether every shard has settled in the current
// configuration, so the next one may be applied; kv.mu held.
func (kv *ShardKV) stableLocked() bool {
	for _, sh := range kv.shards {
		if sh.State != absent && sh.State != serving {
			return false
		}
	}
	return true
}

// machine is the ShardKV seen as an rsm.StateMachine; a separate type keeps
// Apply, Snapshot and Restore out of the RPC service.
type machine struct{ kv *ShardKV }

// Apply executes one committed command.
func (m machine) Apply(command interface{}) interface{} {
	kv := m.kv
	kv.mu.Lock()
	defer kv.mu.Unlock()
	switch c := command.(type) {
	case Op:
		return kv.applyOp(c)
	case configCmd:
		kv.applyConfig(c.Config)
	case insertCmd:
		if c.ConfigNum == kv.cur.Num {
			for s, in := range c.Shards {
				if s >= 0 && s < shardctrler.NShards && kv.shards[s].State == pulling {
					// Copies: the command is still in the leader's log.
					kv.shards[s] = shard{State: cleanup, Data: copyData(in.Data), LastSeq: copySeqs(in.LastSeq)}
				}
			}
		}
	case deleteCmd:
		kv.forShards(c.ConfigNum, c.Shards, handoff, shard{State: absent})
	case cleanedCmd:
		kv.forShards(c.ConfigNum, c.Shards, cleanup, shard{State: serving})
	}
	kv.noteLocked()
	return nil
}

// forShards moves each listed shard that is in state from to the state of
// to (keeping its data if to is serving), if num is the current
// configuration; kv.mu held.
func (kv *ShardKV) forShards(num int, shards []int, from shardState, to shard) {
	if num != kv.cur.Num {
		return
	}
	for _, s := range shards {
		if s < 0 || s >= shardctrler.NShards || kv.shards[s].State != from {
			continue
		}
		if to.State == serving {
			kv.shards[s].State = serving
		} else {
			kv.shards[s] = to
		}
	}
}

// applyOp executes a client's Get, Put or Append if the group serves the
// key's shard; kv.mu held.
func (kv *ShardKV) applyOp(op Op) opResult {
	s := key2shard(op.Key)
	if !kv.servesLocked(s) {
		return opResult{Err: ErrWrongGroup}
	}
	sh := &kv.shards[s]
	if op.Kind == opGet {
		v, ok := sh.Data[op.Key]
		if !ok {
			return opResult{Err: ErrNoKey}
		}
		return opResult{Err: OK, Value: v}
	}
	if op.Seq <= sh.LastSeq[op.ClientID] {
		// A retry of a write already applied: a Clerk sends request n+1
		// only after n returned.
		return opResult{Err: OK}
	}
	if sh.Data == nil {
		sh.Data = make(map[string]string)
	}
	if sh.LastSeq == nil {
		sh.LastSeq = make(map[int64]int64)
	}
	sh.LastSeq[op.ClientID] = op.Seq
	if op.Kind == opPut {
		sh.Data[op.Key] = op.Value
	} else {
		sh.Data[op.Key] += op.Value
	}
	return opResult{Err: OK}
}

// applyConfig moves the group to c if c is the next configuration and the
// group has settled in the current one; kv.mu held. Shards the group gains
// from gid 0 (the initial configuration) start empty and are served at
// once; others wait for their data. Shards it loses are frozen for their
// new owner, unless nobody will own them (every group left).
func (kv *ShardKV) applyConfig(c shardctrler.Config) {
	if c.Num != kv.cur.Num+1 || !kv.stableLocked() {
		return // a duplicate, or proposed by a leader that was behind
	}
	c.Groups = copyGroups(c.Groups)
	for s := range shardctrler.NShards {
		was, now := kv.cur.Shards[s] == kv.gid, c.Shards[s] == kv.gid
		switch {
		case !was && now && kv.cur.Shards[s] == 0:
			kv.shards[s] = shard{State: serving}
		case !was && now:
			kv.shards[s] = shard{State: pulling}
		case was && !now && c.Shards[s] == 0:
			kv.shards[s] = shard{State: absent}
		case was && !now:
			kv.shards[s].State = handoff
		}
	}
	kv.prev, kv.cur = kv.cur, c
}

// kvState is what a snapshot of a ShardKV holds.
type kvState struct {
	Cur, Prev shardctrler.Config
	Shards    [shardctrler.NShards]shard
}

// Snapshot encodes the configurations and every shard.
func (m machine) Snapshot() []byte {
	kv := m.kv
	kv.mu.Lock()
	defer kv.mu.Unlock()
	var buf bytes.Buffer
	if err := labgob.NewEncoder(&buf).Encode(kvState{Cur: kv.cur, Prev: kv.prev, Shards: kv.shards}); err != nil {
		// Maps of strings and integers always encode.
		panic(fmt.Sprintf("shardkv %d-%d: encode snapshot: %v", kv.gid, kv.me, err))
	}
	return buf.Bytes()
}

// Restore replaces the state with a decoded Snapshot.
func (m machine) Restore(data []byte) {
	var st kvState
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		// Only Snapshot writes snapshots: a bad one is a bug, not input.
		panic(fmt.Sprintf("shardkv: decode snapshot (%d bytes): %v", len(data), err))
	}
	kv := m.kv
	kv.mu.Lock()
	defer kv.mu.Unlock()
	kv.cur, kv.prev, kv.shards = st.Cur, st.Prev, st.Shards
}

func copyData(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copySeqs(m map[int64]int64) map[int64]int64 {
	out := make(map[int64]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyGroups(m map[int][]string) map[int][]string {
	out := make(map[int][]string, len(m))
	for g, s := range m {
		out[g] = append([]string(nil), s...)
	}
	return out
}

// shardStateNames name the states in notes.
var shardStateNames = [...]string{absent: "absent", serving: "serving", pulling: "pulling", handoff: "handoff", cleanup: "cleanup"}

// noteLocked records the group's configuration number and the state of
// every shard it holds on the run's timeline (the "shardkv" row of this
// server's lane) when they changed, so a page shows which shards were in
// flight while messages went by. A no-op unless the run is recorded;
// kv.mu held.
func (kv *ShardKV) noteLocked() {
	if !kv.self.Tracing() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "shardkv: config=%d", kv.cur.Num)
	for s, sh := range kv.shards {
		if sh.State != absent {
			fmt.Fprintf(&b, " %d:%s", s, shardStateNames[sh.State])
		}
	}
	if text := b.String(); text != kv.noted {
		kv.noted = text
		kv.self.Note(text)
	}
}
