//solution:file 2B

package raft

// applier is the only goroutine that sends on applyCh, which keeps the
// messages in log order (Figure 2: "If commitIndex > lastApplied: increment
// lastApplied, apply log[lastApplied]"). It never holds mu while sending, so
// the service may call Start or Snapshot from its apply loop.
func (rf *Raft) applier() {
	defer rf.wg.Done()
	rf.mu.Lock()
	for {
		for !rf.killed() && !rf.pendingSnap && rf.lastApplied >= rf.commitIndex {
			rf.applyCond.Wait()
		}
		if rf.killed() {
			rf.mu.Unlock()
			return
		}
		var msgs []ApplyMsg
		var upto int
		if rf.pendingSnap {
			// A snapshot from the leader goes out before any entry
			// after it; the entries it covers are gone from the log.
			rf.pendingSnap = false
			upto = rf.pendingSnapIndex
			msgs = []ApplyMsg{{
				SnapshotValid: true,
				Snapshot:      rf.pendingSnapData,
				SnapshotTerm:  rf.pendingSnapTerm,
				SnapshotIndex: rf.pendingSnapIndex,
			}}
			rf.pendingSnapData = nil
		} else {
			upto = rf.commitIndex
			for i := rf.lastApplied + 1; i <= upto; i++ {
				msgs = append(msgs, ApplyMsg{
					CommandValid: true,
					Command:      rf.log[i-rf.snapIndex].Command,
					CommandIndex: i,
				})
			}
		}
		rf.mu.Unlock()
		for _, m := range msgs {
			select {
			case rf.applyCh <- m:
			case <-rf.killCh:
				return
			}
		}
		rf.mu.Lock()
		if upto > rf.lastApplied {
			rf.lastApplied = upto
		}
	}
}
