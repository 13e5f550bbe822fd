//solution:file 4A

package rsm

import (
	"sync"
	"time"

	"distlabs/labrpc/labgob"
	"distlabs/paxos"
	"distlabs/raft"
)

// PaxosLog is a Log made of Paxos instances, for groups run as in the 2015
// labs: instance seq holds log index seq+1 (Raft's indices, and so the
// RSM's, start at 1).
//
// A Paxos group has no leader: any live replica may propose, and two that
// propose at once compete for the same instance. So every replica reports
// itself leader, in one fixed term; "wrong leader" then means that the
// replica's proposal lost its instance to another (the RSM sees a different
// entry at the index) or did not get decided within the RSM's wait bound
// (the replica is cut off from a majority). Either way the client retries,
// here or at another replica, and the machines' duplicate tables keep a
// retried request from applying twice.
//
// A single deliverer goroutine hands the decided instances to the RSM in
// order and calls Done on each once delivered, so Paxos forgets them once
// every peer has. If an instance stays pending while later ones exist, the
// deliverer proposes a no-op there: either it learns the value decided
// elsewhere, or the no-op fills the hole. There is no persistence: a
// PaxosLog cannot restart, and Snapshot has nothing to trim.
type PaxosLog struct {
	px      *paxos.Paxos
	applyCh chan raft.ApplyMsg
	kick    chan struct{} // buffered(1): a proposal was started
	done    chan struct{} // closed by Kill
	wg      sync.WaitGroup

	mu       sync.Mutex
	proposed int // highest instance this replica proposed in; -1: none
	next     int // next instance to deliver (only the deliverer writes it)
}

// paxosTerm is the term a PaxosLog reports: Paxos has no terms, and a
// nonzero one makes the shardkv reconfiguration loop commit one no-op at
// start, which brings a replica's applied state up to the group's.
const paxosTerm = 1

// Delivery polling: after progress the deliverer checks again soon, and
// backs off while nothing happens. A hole (a pending instance below Max)
// that stays pending for holeWait gets a no-op proposal, and so does every
// hole after it until the replica has caught up.
const (
	minPoll  = 1 * time.Millisecond
	maxPoll  = 50 * time.Millisecond
	holeWait = 100 * time.Millisecond
)

// Noop is the value a PaxosLog proposes to fill a hole; the RSM skips it
// (it is not an Entry). Exported for gob.
type Noop struct{}

func init() {
	labgob.Register(Noop{})
}

// NewPaxosLog returns a Log over px and the channel it delivers decided
// entries on, for New. Kill the log before the RSM.
func NewPaxosLog(px *paxos.Paxos) (*PaxosLog, <-chan raft.ApplyMsg) {
	l := &PaxosLog{
		px:       px,
		applyCh:  make(chan raft.ApplyMsg),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		proposed: -1,
	}
	l.wg.Add(1)
	go l.deliver()
	return l, l.applyCh
}

// Start proposes command in the next instance this replica believes free:
// past every instance it has heard of, delivered or proposed. If another
// value wins it, the RSM sees that entry at the index and fails the
// request, which the client retries.
func (l *PaxosLog) Start(command interface{}) (int, int, bool) {
	select {
	case <-l.done:
		return 0, paxosTerm, false
	default:
	}
	l.mu.Lock()
	seq := max(l.px.Max()+1, l.next, l.proposed+1)
	l.proposed = seq
	l.mu.Unlock()
	l.px.Start(seq, command)
	select {
	case l.kick <- struct{}{}:
	default:
	}
	return seq + 1, paxosTerm, true
}

// GetState reports every live replica as leader, in the fixed term.
func (l *PaxosLog) GetState() (int, bool) {
	select {
	case <-l.done:
		return paxosTerm, false
	default:
		return paxosTerm, true
	}
}

// Snapshot does nothing: delivered instances are released through Done
// already, and a PaxosLog keeps no persisted state to trim.
func (l *PaxosLog) Snapshot(int, []byte) {}

// Kill stops the deliverer and the Paxos peer.
func (l *PaxosLog) Kill() {
	l.mu.Lock()
	select {
	case <-l.done:
		l.mu.Unlock()
		return
	default:
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
	l.px.Kill()
}

// deliver hands decided instances to the RSM in order until Kill.
func (l *PaxosLog) deliver() {
	defer l.wg.Done()
	poll := minPoll
	var holeSince time.Time // when the current instance was first seen as a hole
	// catchingUp: a hole needed a no-op, so this replica missed decisions
	// (it was cut off, say) and the holes after it are likely decided
	// elsewhere already: fill them at once instead of waiting holeWait each.
	catchingUp := false
	timer := time.NewTimer(poll)
	defer timer.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-l.kick:
			poll = minPoll
		case <-timer.C:
		}
		for {
			l.mu.Lock()
			seq := l.next
			l.mu.Unlock()
			fate, v := l.px.Status(seq)
			if fate != paxos.Decided {
				if fate != paxos.Pending || seq > l.px.Max() {
					// Nothing later is known: the log is caught up.
					catchingUp = false
					break
				}
				now := time.Now()
				switch {
				case catchingUp || (!holeSince.IsZero() && now.Sub(holeSince) >= holeWait):
					// Start is a no-op while this peer already proposes
					// there, so repeating it each poll costs nothing.
					l.px.Start(seq, Noop{})
					catchingUp = true
				case holeSince.IsZero():
					holeSince = now
				}
				break
			}
			select {
			case l.applyCh <- raft.ApplyMsg{CommandValid: true, Command: v, CommandIndex: seq + 1}:
			case <-l.done:
				return
			}
			l.px.Done(seq)
			l.mu.Lock()
			l.next = seq + 1
			l.mu.Unlock()
			holeSince = time.Time{}
			poll = minPoll
		}
		timer.Reset(poll)
		poll = min(2*poll, maxPoll)
	}
}
