//solution:file 2C

package raft

// persist keeps its encoding of the log between calls (logEncoding in
// persist.go), so these tests use the reference's internals: reference-only
// (not graded, not given to students).

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"distlabs/labrpc/labgob"
)

// What a restarted peer reads back is the state of the moment of the last
// persist, whatever happened to the log in between: appends, a conflicting
// suffix replaced by as many entries, a truncation below what was encoded,
// a compaction, a restart.
func TestPersistFollowsTheLog(t *testing.T) {
	rf := &Raft{persister: MakePersister(), votedFor: -1, log: []LogEntry{{Term: 0}}}
	cmd := 0
	add := func(term, n int) {
		for range n {
			cmd++
			rf.log = append(rf.log, LogEntry{Term: term, Command: cmd})
		}
	}
	check := func(step string) {
		t.Helper()
		rf.persist()
		back := &Raft{persister: rf.persister}
		back.readPersist(rf.persister.ReadRaftState())
		if back.currentTerm != rf.currentTerm || back.votedFor != rf.votedFor || back.snapIndex != rf.snapIndex || !reflect.DeepEqual(back.log, rf.log) {
			t.Fatalf("%s: read back term %d, vote %d, snapshot index %d, log %v;\npersisted term %d, vote %d, snapshot index %d, log %v",
				step, back.currentTerm, back.votedFor, back.snapIndex, back.log, rf.currentTerm, rf.votedFor, rf.snapIndex, rf.log)
		}
	}
	check("an empty log")
	add(1, 3)
	check("three entries")
	add(1, 1)
	check("one more")
	rf.currentTerm, rf.votedFor = 2, 1
	rf.log = rf.log[:3] // a leader of term 2 replaces entries 3 and 4
	add(2, 2)
	check("a conflicting suffix replaced by as many entries")
	rf.log = rf.log[:2]
	add(3, 1)
	check("a truncation below what was encoded")
	add(3, 3)
	check("appends after the truncation")
	// A compaction through index 2 (snapshot.go's compactTo, which is
	// 2D's): the base moves and the sentinel takes entry 2's term.
	rf.log = append([]LogEntry{{Term: rf.termAt(2)}}, rf.log[3:]...)
	rf.snapIndex = 2
	check("a compaction")
	add(4, 2)
	check("appends after the compaction")
	rf.log = rf.log[:1]
	check("only the sentinel left")
	add(4, 1)
	check("an append to the sentinel")
	add(4, 2)
	check("more of the same term")
	// A compaction through the first entry, then appends of the same term:
	// the log is as long as before, with the same term at every position.
	rf.log = append([]LogEntry{{Term: rf.termAt(rf.snapIndex + 1)}}, rf.log[2:]...)
	rf.snapIndex++
	add(4, 1)
	check("a compaction, then as many entries of the same term")
	// A restart: the new peer's first persist has no encoding to extend.
	again := &Raft{persister: rf.persister.Copy()}
	again.readPersist(again.persister.ReadRaftState())
	rf = again
	add(5, 2)
	check("appends after a restart")
}

// persist after every append to a growing log, against the former persist
// that encoded the whole log each time (the baseline):
//
//	go test ./raft -run '^$' -bench PersistGrowingLog
func BenchmarkPersistGrowingLog(b *testing.B) {
	type op struct {
		Key, Value string
		ClientID   int64
		Seq        int
	}
	labgob.Register(op{})
	const entries = 500
	wholeLog := func(rf *Raft) []byte {
		w := new(bytes.Buffer)
		e := labgob.NewEncoder(w)
		for _, v := range []interface{}{rf.currentTerm, rf.votedFor, rf.snapIndex, rf.log} {
			if err := e.Encode(v); err != nil {
				b.Fatal(err)
			}
		}
		return w.Bytes()
	}
	for _, c := range []struct {
		name   string
		encode func(rf *Raft) []byte
	}{
		{"whole-log", wholeLog},
		{"kept-encoding", (*Raft).encodeState},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				rf := &Raft{persister: MakePersister(), votedFor: -1, log: []LogEntry{{Term: 0}}}
				for i := range entries {
					rf.log = append(rf.log, LogEntry{Term: 1, Command: op{Key: fmt.Sprint(i % 10), Value: "x", ClientID: 7, Seq: i}})
					rf.persister.SaveRaftState(c.encode(rf))
				}
			}
		})
	}
}
