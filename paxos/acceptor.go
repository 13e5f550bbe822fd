//solution:file A

package paxos

import "fmt"

// instance is one peer's state for one Paxos instance: the acceptor's
// promise and last accepted proposal ("Paxos Made Simple", §2.2: an
// acceptor remembers the highest-numbered proposal it accepted and the
// highest-numbered prepare request it answered), and what the learner knows.
type instance struct {
	np int         // highest proposal number promised (prepare or accept); 0: none
	na int         // number of the highest proposal accepted; 0: none
	va interface{} // its value

	decided bool
	value   interface{} // the chosen value, once decided

	proposing bool // a proposer goroutine of this peer runs for the instance
}

// instance returns the state of seq, creating it; the caller holds mu and
// has checked seq >= px.min.
func (px *Paxos) instance(seq int) *instance {
	inst, ok := px.instances[seq]
	if !ok {
		inst = &instance{}
		px.instances[seq] = inst
	}
	return inst
}

// noteSeq raises Max; the caller holds mu.
func (px *Paxos) noteSeq(seq int) {
	if seq > px.max {
		px.max = seq
	}
}

// noteN remembers the highest proposal number seen anywhere, so this
// peer's next proposal can be higher; the caller holds mu.
func (px *Paxos) noteN(n int) {
	if n > px.highestN {
		px.highestN = n
	}
}

// noteDone records peer's Done value and forgets every instance below the
// new minimum; the caller holds mu. Done values only grow: a delayed
// message with an older value must not move Min back.
func (px *Paxos) noteDone(peer, done int) {
	if peer < 0 || peer >= len(px.dones) || done <= px.dones[peer] {
		return
	}
	px.dones[peer] = done
	low := px.dones[0]
	for _, d := range px.dones[1:] {
		low = min(low, d)
	}
	// Min is one more than the smallest Done of ALL peers: a peer not heard
	// from still counts as -1, so nothing is freed that it may still need.
	if low-px.min < len(px.instances) {
		for seq := px.min; seq <= low; seq++ {
			delete(px.instances, seq)
		}
	} else {
		for seq := range px.instances {
			if seq <= low {
				delete(px.instances, seq)
			}
		}
	}
	if low+1 > px.min {
		px.min = low + 1
	}
}

// noteDones merges a sender's view of every peer's Done value; each entry
// originates from its own peer, so taking the maximum is safe. The caller
// holds mu.
func (px *Paxos) noteDones(dones []int) {
	if len(dones) != len(px.dones) {
		return
	}
	for peer, d := range dones {
		px.noteDone(peer, d)
	}
}

// doneView returns a copy of this peer's view of the Done values, to send;
// the caller holds mu.
func (px *Paxos) doneView() []int {
	return append([]int(nil), px.dones...)
}

// prepare is the acceptor's phase 1 ("Paxos Made Simple", §2.2, phase 1(b)):
// promise N if it is at least every earlier promise, and report the highest
// proposal accepted so far.
func (px *Paxos) prepare(args *PrepareArgs, reply *PrepareReply) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.noteDone(args.From, args.Done)
	px.noteDones(args.Dones)
	reply.Done = px.dones[px.me]
	if px.killed() || args.Seq < px.min {
		return
	}
	px.noteSeq(args.Seq)
	px.noteN(args.N)
	inst := px.instance(args.Seq)
	if args.N > inst.np {
		inst.np = args.N
		reply.OK = true
	}
	reply.Np = inst.np
	reply.Na, reply.Va = inst.na, inst.va
}

// accept is the acceptor's phase 2 (§2.2, phase 2(b)): accept (N, V) unless
// a higher-numbered prepare was promised. Accepting also raises the promise
// to N (the lab's rule: n_p = n on accept), so a later, lower prepare cannot
// be promised and then lower n_a.
func (px *Paxos) accept(args *AcceptArgs, reply *AcceptReply) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.noteDone(args.From, args.Done)
	px.noteDones(args.Dones)
	reply.Done = px.dones[px.me]
	if px.killed() || args.Seq < px.min {
		return
	}
	px.noteSeq(args.Seq)
	px.noteN(args.N)
	inst := px.instance(args.Seq)
	if args.N >= inst.np {
		inst.np = args.N
		inst.na, inst.va = args.N, args.V
		reply.OK = true
	}
	reply.Np = inst.np
}

// decided is the learner (§2.3): record the chosen value.
func (px *Paxos) decided(args *DecidedArgs, reply *DecidedReply) {
	px.mu.Lock()
	defer px.mu.Unlock()
	px.noteDone(args.From, args.Done)
	px.noteDones(args.Dones)
	reply.Done = px.dones[px.me]
	if px.killed() || args.Seq < px.min {
		return
	}
	px.noteSeq(args.Seq)
	px.learn(args.Seq, args.V)
}

// learn records that v was chosen for seq; the caller holds mu.
func (px *Paxos) learn(seq int, v interface{}) {
	inst := px.instance(seq)
	if !inst.decided {
		inst.decided, inst.value = true, v
		if self := px.peers[px.me]; self.Tracing() {
			self.Note(fmt.Sprintf("paxos: decided %d min=%d max=%d", seq, px.min, px.max))
		}
	}
}
