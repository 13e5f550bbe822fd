package raft

import (
	"math/rand/v2"
	"sync"
)

// Randomness for election timeouts comes from a per-peer source seeded from a
// package-level seed, never from the global math/rand: the test harness calls
// SetSeed(seed) before building a cluster, so one -seed value reproduces the
// same sequence of timeouts for every peer. Each call to newPeerRand (one per
// Make) takes the next value of a counter, so a restarted peer draws a fresh
// sequence, and the sequence only depends on the order in which the harness
// calls Make, which the harness controls.

var seedState struct {
	mu   sync.Mutex
	set  bool
	seed uint64
	made uint64
}

// SetSeed fixes the seed the election-timeout sources of peers created by
// later calls to Make derive from, and restarts the per-Make counter. Without
// it every peer gets an unpredictable seed.
func SetSeed(seed int64) {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	seedState.set = true
	seedState.seed = uint64(seed)
	seedState.made = 0
}

// newPeerRand returns the random source for peer me; it is not safe for
// concurrent use, so Raft only uses it while holding its mutex.
func newPeerRand(me int) *rand.Rand {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	if !seedState.set {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	seedState.made++
	return rand.New(rand.NewPCG(seedState.seed, seedState.made<<20|uint64(me)))
}
