//solution:file A

package paxos

import "time"

// Back-off between the rounds of one proposer: random, so that two
// proposers that keep pre-empting each other (each prepare overtaking the
// other's accept) drift apart and one finishes; growing with the number of
// failed rounds, so a proposer cut off in a minority costs little.
const (
	backoffMin  = 10 * time.Millisecond
	backoffStep = 20 * time.Millisecond
	backoffCap  = 4 // the window stops doubling after this many rounds

	announceAttempts = 3 // sends of a decision to each peer, until one arrives
)

// propose runs proposer rounds for seq until this peer knows a decision,
// seq is forgotten, or the peer is killed.
func (px *Paxos) propose(seq int, v interface{}) {
	defer px.wg.Done()
	defer px.stopProposing(seq)
	for round := 0; ; round++ {
		args, ok := px.nextRound(seq)
		if !ok {
			return
		}
		if value, ok := px.phase1(args, v); ok && px.phase2(args, value) {
			px.announce(seq, value)
			return
		}
		window := backoffStep << min(round, backoffCap)
		t := time.NewTimer(px.rng.duration(backoffMin, backoffMin+window))
		select {
		case <-px.killCh:
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// stopProposing clears the instance's proposing flag, so a later Start may
// run a new proposer (for instance after a Kill-less restart of a round).
func (px *Paxos) stopProposing(seq int) {
	px.mu.Lock()
	defer px.mu.Unlock()
	if inst, ok := px.instances[seq]; ok {
		inst.proposing = false
	}
}

// nextRound picks a fresh proposal number for seq, or reports false if no
// round is needed any more. Numbers are round*len(peers)+me: unique across
// peers ("Paxos Made Simple", §2.2: different proposers choose their
// numbers from disjoint sets) and higher than any number this peer has seen,
// so a new round can overtake the promise that defeated the last one.
func (px *Paxos) nextRound(seq int) (PrepareArgs, bool) {
	px.mu.Lock()
	defer px.mu.Unlock()
	if px.killed() || seq < px.min {
		return PrepareArgs{}, false
	}
	if inst, ok := px.instances[seq]; !ok || inst.decided {
		return PrepareArgs{}, false
	}
	n := (px.highestN/len(px.peers)+1)*len(px.peers) + px.me
	px.highestN = n
	return PrepareArgs{Seq: seq, N: n, From: px.me, Done: px.dones[px.me], Dones: px.doneView()}, true
}

// phase1 sends prepare requests and, if a majority promises, returns the
// value to propose: the value of the highest-numbered proposal any of them
// accepted, or v if none did (§2.2, phase 2(a)).
func (px *Paxos) phase1(args PrepareArgs, v interface{}) (interface{}, bool) {
	replies, ok := quorum(px, "Paxos.Prepare", &args,
		func(r *PrepareReply) { px.prepare(&args, r) },
		func(r *PrepareReply) (bool, int, int) { return r.OK, r.Np, r.Done })
	if !ok {
		return nil, false
	}
	value, highest := v, 0
	for _, r := range replies {
		if r.Na > highest {
			value, highest = r.Va, r.Na
		}
	}
	return value, true
}

// phase2 sends accept requests for (N, value) and reports whether a
// majority accepted, which makes value chosen (§2.2, phase 2(b)).
func (px *Paxos) phase2(p PrepareArgs, value interface{}) bool {
	args := AcceptArgs{Seq: p.Seq, N: p.N, V: value, From: px.me, Done: p.Done, Dones: p.Dones}
	_, ok := quorum(px, "Paxos.Accept", &args,
		func(r *AcceptReply) { px.accept(&args, r) },
		func(r *AcceptReply) (bool, int, int) { return r.OK, r.Np, r.Done })
	return ok
}

// announce records the decision and sends it to every other peer (§2.3:
// the proposer tells the learners). A peer the message misses learns the
// value from its own proposer, whose prepare finds it at a majority.
func (px *Paxos) announce(seq int, value interface{}) {
	px.mu.Lock()
	px.learn(seq, value)
	args := DecidedArgs{Seq: seq, V: value, From: px.me, Done: px.dones[px.me], Dones: px.doneView()}
	px.mu.Unlock()
	for i, end := range px.peers {
		if i == px.me {
			continue
		}
		go func() {
			// A few attempts: a peer with no proposer of its own for seq
			// learns the value only from this message.
			for attempt := 0; attempt < announceAttempts && !px.killed(); attempt++ {
				var reply DecidedReply
				if end.Call("Paxos.Decided", &args, &reply) {
					px.mu.Lock()
					px.noteDone(i, reply.Done)
					px.mu.Unlock()
					return
				}
			}
		}()
	}
}

// answer is one peer's reply to a quorum call; reply is nil if the call
// failed.
type answer[R any] struct {
	peer  int
	reply *R
}

// quorum sends one request to every peer (to itself by a local call) and
// waits until a majority said yes, or enough said no or failed that no
// majority can, or Kill. It returns the yes replies and whether they are a
// majority. read extracts (yes, the replier's promise, its Done value) from
// a reply. Every reply is noted (promise and Done) by the goroutine that
// got it, stragglers' included, so Done values spread even when the
// proposer has moved on; the channel is buffered so stragglers never block.
func quorum[R any](px *Paxos, method string, args interface{}, local func(*R), read func(*R) (bool, int, int)) ([]*R, bool) {
	n := len(px.peers)
	ch := make(chan answer[R], n)
	note := func(peer int, r *R) {
		_, np, done := read(r)
		px.mu.Lock()
		px.noteDone(peer, done)
		px.noteN(np)
		px.mu.Unlock()
	}
	for i, end := range px.peers {
		if i == px.me {
			r := new(R)
			local(r)
			ch <- answer[R]{i, r}
			continue
		}
		go func() {
			r := new(R)
			if end.Call(method, args, r) {
				note(i, r)
			} else {
				r = nil
			}
			ch <- answer[R]{i, r}
		}()
	}
	majority := n/2 + 1
	var yes []*R
	no := 0
	for len(yes) < majority && no <= n-majority {
		var a answer[R]
		select {
		case <-px.killCh:
			return nil, false
		case a = <-ch:
		}
		if a.reply == nil {
			no++
			continue
		}
		if ok, _, _ := read(a.reply); ok {
			yes = append(yes, a.reply)
		} else {
			no++
		}
	}
	return yes, len(yes) >= majority
}
