package raft_test

// Small building blocks for the whole-cluster scenarios in suite_2[a-d]_test.go.
// They only combine the config methods of config_test.go; none of them
// changes how the harness itself behaves.

import "time"

// peerRange returns k peer ids counting up from start around the ring of
// cfg.n peers: peerRange(leader+1, 2) names the two peers after the leader.
func (cfg *config) peerRange(start, k int) []int {
	ids := make([]int, k)
	for j := range ids {
		ids[j] = (start + j) % cfg.n
	}
	return ids
}

// everyone returns the ids of all peers.
func (cfg *config) everyone() []int { return cfg.peerRange(0, cfg.n) }

// randomPeers draws k peer ids independently, so an id may repeat.
func (cfg *config) randomPeers(k int) []int {
	ids := make([]int, k)
	for j := range ids {
		ids[j] = cfg.t.Rand.IntN(cfg.n)
	}
	return ids
}

// disconnectAll cuts each listed peer off from every other peer.
func (cfg *config) disconnectAll(ids ...int) {
	for _, id := range ids {
		cfg.disconnect(id)
	}
}

// connectAll puts each listed peer back on the network.
func (cfg *config) connectAll(ids ...int) {
	for _, id := range ids {
		cfg.connect(id)
	}
}

// restart replaces peer p by a fresh instance built from what p persisted,
// and attaches it to the network.
func (cfg *config) restart(p int) {
	cfg.start1(p)
	cfg.connect(p)
}

// rebootAll takes every peer down at once and brings each back from its
// persisted state, as after a power failure.
func (cfg *config) rebootAll() {
	for p := 0; p < cfg.n; p++ {
		cfg.crash1(p)
	}
	for p := 0; p < cfg.n; p++ {
		cfg.restart(p)
	}
}

// healAll restarts every crashed peer and reconnects every peer.
func (cfg *config) healAll() {
	for p := 0; p < cfg.n; p++ {
		if cfg.raftAt(p) == nil {
			cfg.start1(p)
		}
		cfg.connect(p)
	}
}

// mustStart hands cmd to peer p, which the test believes is the leader, and
// returns the log index p assigned. A refusal fails the test.
func (cfg *config) mustStart(p int, cmd interface{}) int {
	index, _, isLeader := cfg.raftAt(p).Start(cmd)
	if !isLeader {
		cfg.t.Fatalf("peer %d was expected to lead but refused Start(%v)", p, cmd)
	}
	return index
}

// startMany hands k random commands to peer p without waiting for any of
// them; nothing happens if p is down.
func (cfg *config) startMany(p, k int) {
	for j := 0; j < k; j++ {
		if rf := cfg.raftAt(p); rf != nil {
			rf.Start(cfg.t.Rand.Int())
		}
	}
}

// expectNotApplied fails the test if any peer applied index: the entry there
// never reached a majority, so committing it would break Figure 2's commit
// rule.
func (cfg *config) expectNotApplied(index int) {
	if applied, _ := cfg.nCommitted(index); applied > 0 {
		cfg.t.Fatalf("%d peers applied index %d although no majority could have stored it", applied, index)
	}
}

// allInTerm reports whether every running peer is at term.
func (cfg *config) allInTerm(term int) bool {
	for _, rf := range cfg.liveRafts() {
		if current, _ := rf.GetState(); current != term {
			return false
		}
	}
	return true
}

// rpcsSoFar is the number of RPCs the peers have received since the start.
func (cfg *config) rpcsSoFar() int {
	total := 0
	for p := 0; p < cfg.n; p++ {
		total += cfg.rpcCount(p)
	}
	return total
}

// acceptance records that a peer took a command as leader, and where.
type acceptance struct {
	peer, index int
}

// offerAll hands a command to every running peer in id order, asking next
// for the command each time, and lists the peers that accepted it.
func (cfg *config) offerAll(next func() interface{}) []acceptance {
	var accepted []acceptance
	for p := 0; p < cfg.n; p++ {
		rf := cfg.raftAt(p)
		if rf == nil {
			continue
		}
		if index, _, ok := rf.Start(next()); ok {
			accepted = append(accepted, acceptance{peer: p, index: index})
		}
	}
	return accepted
}

// pauseMs sleeps a random whole number of milliseconds in [0, limit).
func pauseMs(cfg *config, limit time.Duration) {
	sleep(ms * sleepRand(cfg.t, limit/ms))
}
