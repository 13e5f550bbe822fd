package paxos

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Randomness for the back-off between proposer rounds comes from a per-peer
// source seeded from a package-level seed, never from the global math/rand:
// the test harness calls SetSeed(seed) before building a group, so one
// -seed value reproduces the same back-off sequence for every peer. Each
// Make takes the next value of a counter, so a restarted peer draws a fresh
// sequence that depends only on the order of the harness's Make calls.

var seedState struct {
	mu   sync.Mutex
	set  bool
	seed uint64
	made uint64
}

// SetSeed fixes the seed the back-off sources of peers created by later
// calls to Make derive from, and restarts the per-Make counter. Without it
// every peer gets an unpredictable seed.
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

// newPeerRand returns the random source for peer me.
func newPeerRand(me int) *randSource {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	if !seedState.set {
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
