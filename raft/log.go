//solution:file 2A

package raft

// Log indexing. rf.log[0] is a sentinel for the last entry the snapshot
// covers (index snapIndex); rf.log[i] holds index snapIndex+i.

func (rf *Raft) lastLogIndex() int { return rf.snapIndex + len(rf.log) - 1 }
func (rf *Raft) lastLogTerm() int  { return rf.log[len(rf.log)-1].Term }

// termAt returns the term of the entry at index, which must lie in
// [snapIndex, lastLogIndex].
func (rf *Raft) termAt(index int) int { return rf.log[index-rf.snapIndex].Term }
