package raft

import (
	"math/rand/v2"
	"sync"

	"distlabs/labrpc"
)

// Randomness for election timeouts comes from a per-peer source, never from
// the global math/rand, seeded so that one test -seed value reproduces the
// same timeouts for every peer: by default from the seed of the peer's first
// labrpc end (labrpc derives it from the network's seed, which the test
// harness sets, and the end's name, which the harness makes deterministic
// and fresh for each restart, so a restarted peer draws a fresh sequence).
// SetSeed overrides that for programs that want their own seed.

var seedState struct {
	mu   sync.Mutex
	set  bool
	seed uint64
	made uint64
}

// SetSeed fixes the seed the election-timeout sources of peers created by
// later calls to Make derive from, and restarts the per-Make counter. The
// tests do not call it (a 6.824 Raft has no such function).
func SetSeed(seed int64) {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	seedState.set = true
	seedState.seed = uint64(seed)
	seedState.made = 0
}

// newPeerRand returns the random source for peer me with ends peers; it is
// not safe for concurrent use, so Raft only uses it while holding its mutex.
func newPeerRand(me int, peers []*labrpc.ClientEnd) *rand.Rand {
	seedState.mu.Lock()
	defer seedState.mu.Unlock()
	if !seedState.set {
		if len(peers) > 0 {
			return rand.New(rand.NewPCG(uint64(peers[0].Seed()), uint64(me)))
		}
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	seedState.made++
	return rand.New(rand.NewPCG(seedState.seed, seedState.made<<20|uint64(me)))
}
