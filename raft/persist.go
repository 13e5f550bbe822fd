package raft

//solution:begin 2C
import (
	"bytes"
	"fmt"

	"distlabs/labrpc/labgob"
)

//solution:stub
// //lint:file-ignore U1000 persist is yours to call wherever the state of Figure 2 changes (2C)
//solution:end

// persist saves the persistent state of Figure 2 (currentTerm, votedFor,
// log) plus the snapshot position. Callers hold mu and call it before
// replying to any RPC or returning from Start after a change, so a crash
// never loses a promise already made to another peer.
func (rf *Raft) persist() {
	//solution:begin 2C
	rf.persister.SaveRaftState(rf.encodeState())
	//solution:stub
	// // Your code here (2C).
	//solution:end
}

//solution:begin 2D

// persistWithSnapshot saves the state together with the snapshot, atomically.
func (rf *Raft) persistWithSnapshot() {
	rf.persister.Save(rf.encodeState(), rf.snapshot)
}

//solution:end

//solution:begin 2C

func (rf *Raft) encodeState() []byte {
	w := new(bytes.Buffer)
	e := labgob.NewEncoder(w)
	for _, v := range []interface{}{rf.currentTerm, rf.votedFor, rf.snapIndex, rf.log} {
		if err := e.Encode(v); err != nil {
			// Only an unregistered command type gets here: a bug in
			// the service, not a runtime condition.
			panic(fmt.Errorf("raft %d: encode persistent state: %w", rf.me, err))
		}
	}
	return w.Bytes()
}

//solution:end

// readPersist restores the state saved by persist; empty data means a fresh
// peer.
func (rf *Raft) readPersist(data []byte) {
	//solution:begin 2C
	if len(data) == 0 {
		return
	}
	d := labgob.NewDecoder(bytes.NewBuffer(data))
	var term, votedFor, snapIndex int
	var log []LogEntry
	for _, v := range []interface{}{&term, &votedFor, &snapIndex, &log} {
		if err := d.Decode(v); err != nil {
			// The Persister only holds what persist wrote; failing to
			// read it back is a programming error.
			panic(fmt.Errorf("raft %d: decode persistent state: %w", rf.me, err))
		}
	}
	if len(log) == 0 {
		panic(fmt.Errorf("raft %d: persistent state has an empty log", rf.me))
	}
	rf.currentTerm, rf.votedFor, rf.snapIndex, rf.log = term, votedFor, snapIndex, log
	//solution:stub
	// // Your code here (2C).
	//solution:end
}
