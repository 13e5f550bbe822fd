package paxos

import (
	"math/rand/v2"
	"sync"
	"time"

	"distlabs/labrpc"
)

// Randomness for the back-off between proposer rounds comes from a per-peer
// source, never from the global math/rand, seeded so that one test -seed
// value reproduces the same back-off sequence for every peer: by default
// from the seed of the peer's first labrpc end (labrpc derives it from the
// network's seed, which the test harness sets, and the end's name, which
// the harness makes deterministic). SetSeed overrides that: each later Make
// then takes the next value of a counter, so a restarted peer draws a fresh
// sequence that depends only on the order of the Make calls.

var seedState struct {
	mu   sync.Mutex
	set  bool
	seed uint64
	made uint64
}

// SetSeed fixes the seed the back-off sources of peers created by later
// calls to Make derive from, and restarts the per-Make counter. The graded
// tests do not call it (a 2015 Paxos has no such function).
func SetSeed(seed int64) {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	seedState.set = true
	seedState.seed = uint64(seed)
	seedState.made = 0
}

// randSource is a peer's random source, safe for concurrent use (several
// proposers of one peer draw from it).
type randSource struct {
	mu  sync.Mutex
	rng *rand.Rand
}

// newPeerRand returns the random source for peer me with ends peers.
func newPeerRand(me int, peers []*labrpc.ClientEnd) *randSource {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	if !seedState.set {
		if len(peers) > 0 {
			return &randSource{rng: rand.New(rand.NewPCG(uint64(peers[0].Seed()), uint64(me)))}
		}
		return &randSource{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
	}
	seedState.made++
	return &randSource{rng: rand.New(rand.NewPCG(seedState.seed, seedState.made<<20|uint64(me)))}
}

//solution:begin
//solution:stub
// //lint:ignore U1000 draw your back-off between rounds from it (A)
//solution:end

// duration returns a uniform duration in [lo, hi).
func (r *randSource) duration(lo, hi time.Duration) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return lo + time.Duration(r.rng.Int64N(int64(hi-lo)))
}
