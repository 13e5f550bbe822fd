package labrpc

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// Every random fault decision is drawn from a small generator seeded by
// (network seed, link, message sequence number). A link's k-th message thus
// sees the same faults whatever other goroutines do, which is what makes a
// failing schedule replayable from its seed.

var (
	defaultSeedMu sync.Mutex
	defaultSeed   = rand.Uint64() // replaced by the harness via SetDefaultSeed
	networkCount  atomic.Uint64
)

// SetDefaultSeed sets the seed that MakeNetwork uses and restarts the count
// of networks made, so the n-th network of a test always gets the same seed.
// The test harness calls it before each test body.
func SetDefaultSeed(seed int64) {
	defaultSeedMu.Lock()
	defer defaultSeedMu.Unlock()
	defaultSeed = uint64(seed)
	networkCount.Store(0)
}

// nextNetworkSeed derives the seed of the next network made with MakeNetwork.
func nextNetworkSeed() uint64 {
	defaultSeedMu.Lock()
	defer defaultSeedMu.Unlock()
	n := networkCount.Add(1)
	if n == 1 {
		return defaultSeed
	}
	return mix(defaultSeed, n)
}

// mix combines two words into a well-spread third (splitmix64 finaliser).
func mix(a, b uint64) uint64 {
	z := a ^ (b+0x9e3779b97f4a7c15)*0xbf58476d1ce4e5b9
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// hashName turns an end, server or host name into a stable 64-bit value.
func hashName(name interface{}) uint64 {
	h := fnv.New64a()
	if s, ok := name.(string); ok {
		h.Write([]byte(s))
	} else {
		fmt.Fprintf(h, "%T:%v", name, name)
	}
	return h.Sum64()
}

// msgRand is the generator of one message's fault decisions. Draws are made
// in a fixed order by the code that uses it, so the decisions depend only on
// (seed, link, seq).
type msgRand struct{ state uint64 }

func newMsgRand(seed, link, seq uint64) msgRand {
	return msgRand{state: mix(mix(seed, link), seq)}
}

// intn returns a value in [0, n).
func (r *msgRand) intn(n int) int {
	r.state += 0x9e3779b97f4a7c15
	z := mix(r.state, 0)
	return int(z % uint64(n))
}
