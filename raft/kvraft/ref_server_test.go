//solution:file 3A

package kvraft

// White-box tests of the reference server's apply path (not graded, not in
// the handout): the notification of waiting requests and duplicate
// detection, without Raft.

import (
	"testing"

	"distlabs/raft"
	"distlabs/test/labtest"
)

// newBareServer returns a KVServer with its state machine but no Raft.
func newBareServer() *KVServer {
	return &KVServer{
		maxraftstate: -1,
		persister:    raft.MakePersister(),
		done:         make(chan struct{}),
		store:        make(map[string]string),
		lastSeq:      make(map[int64]int64),
		waiters:      make(map[int][]*waiter),
	}
}

// register adds a waiter for op at index, as submit does after Start.
func (kv *KVServer) register(op Op, index int) *waiter {
	w := &waiter{op: op, index: index, ch: make(chan applyResult, 1)}
	kv.waiters[index] = append(kv.waiters[index], w)
	return w
}

func TestApplyNotifiesWaiters(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		kv := newBareServer()
		mine := Op{Kind: opAppend, Key: "k", Value: "a", ClientID: 1, Seq: 1}
		other := Op{Kind: opAppend, Key: "k", Value: "b", ClientID: 2, Seq: 1}
		wMine := kv.register(mine, 1)
		wLost := kv.register(mine, 2) // started in an older term; index 2 goes to another command

		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: mine, CommandIndex: 1})
		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: other, CommandIndex: 2})

		if r := <-wMine.ch; r.err != OK {
			t.Errorf("own command applied: got %q, want OK", r.err)
		}
		if r := <-wLost.ch; r.err != ErrWrongLeader {
			t.Errorf("different command at the index: got %q, want ErrWrongLeader", r.err)
		}
		if len(kv.waiters) != 0 {
			t.Errorf("waiters left behind: %v", kv.waiters)
		}
		if got := kv.store["k"]; got != "ab" {
			t.Errorf("store[k] = %q, want %q", got, "ab")
		}
	})
}

func TestApplyFiltersDuplicates(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		kv := newBareServer()
		op := Op{Kind: opAppend, Key: "k", Value: "x", ClientID: 7, Seq: 3}
		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: op, CommandIndex: 1})
		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: op, CommandIndex: 2}) // a retry's entry
		older := Op{Kind: opPut, Key: "k", Value: "old", ClientID: 7, Seq: 2}            // delayed retry of an earlier request
		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: older, CommandIndex: 3})
		if got := kv.store["k"]; got != "x" {
			t.Errorf("store[k] = %q, want %q (duplicates applied)", got, "x")
		}
		// A stale index (already applied) is ignored.
		kv.applyCommand(raft.ApplyMsg{CommandValid: true, Command: Op{Kind: opPut, Key: "k", Value: "y", ClientID: 8, Seq: 1}, CommandIndex: 2})
		if got := kv.store["k"]; got != "x" {
			t.Errorf("store[k] = %q after a stale index, want %q", got, "x")
		}
	})
}
