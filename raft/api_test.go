package raft

// Compile-time checks of the 6.824 (2022) API that existing harnesses and
// services (raft/kvraft) are written against. This is all the graded tests
// (the API tests, see README "Porting existing student code") may use of
// package raft; a submission that fails to build here cannot be graded.

import (
	"distlabs/labrpc"
)

var (
	_ func([]*labrpc.ClientEnd, int, *Persister, chan ApplyMsg) *Raft = Make
	_ func(*Raft, interface{}) (int, int, bool)                       = (*Raft).Start
	_ func(*Raft) (int, bool)                                         = (*Raft).GetState
	_ func(*Raft)                                                     = (*Raft).Kill
	_ func(*Raft, int, []byte)                                        = (*Raft).Snapshot
	_ func(*Raft, int, int, []byte) bool                              = (*Raft).CondInstallSnapshot
	_ func() *Persister                                               = MakePersister
	_ func(*Persister) *Persister                                     = (*Persister).Copy
	_ func(*Persister, []byte)                                        = (*Persister).SaveRaftState
	_ func(*Persister, []byte, []byte)                                = (*Persister).SaveStateAndSnapshot
	_ func(*Persister) []byte                                         = (*Persister).ReadRaftState
	_ func(*Persister) []byte                                         = (*Persister).ReadSnapshot
	_ func(*Persister) int                                            = (*Persister).RaftStateSize
	_ func(*Persister) int                                            = (*Persister).SnapshotSize
	_                                                                 = ApplyMsg{
		CommandValid: true, Command: nil, CommandIndex: 0,
		SnapshotValid: false, Snapshot: nil, SnapshotTerm: 0, SnapshotIndex: 0,
	}
)
