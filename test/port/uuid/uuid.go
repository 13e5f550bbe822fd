package uuid

import (
	"fmt"
	"math/rand/v2"
	"sync"
)

// UUID is a 16-byte universally unique identifier.
type UUID [16]byte

// source draws the UUIDs; Seed replaces it.
var source = struct {
	mu  sync.Mutex
	rng *rand.Rand
}{rng: rand.New(rand.NewPCG(1, 1))}

// Seed makes the UUIDs that follow a function of seed.
func Seed(seed uint64) {
	source.mu.Lock()
	defer source.mu.Unlock()
	source.rng = rand.New(rand.NewPCG(seed, 1))
}

// New returns a random (version 4, RFC 4122 variant) UUID.
func New() UUID {
	var u UUID
	source.mu.Lock()
	for i := range u {
		u[i] = byte(source.rng.Uint32())
	}
	source.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// String is u in the usual form, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func (u UUID) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}
