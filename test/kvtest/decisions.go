package kvtest

import (
	"fmt"
	"reflect"
	"sync"
	"time"
)

// Decisions checks the safety of consensus from outside ("Paxos Made
// Simple", §2.1), for the labs on Paxos: every decided value a peer
// reports goes to Observe, which finds
//
//   - agreement: two peers report different values for one instance, or a
//     peer changes the value it reported;
//   - validity (when the test records proposals with Proposed): a decided
//     value that was never proposed for its instance.
//
// The first violation is kept (Err).
type Decisions struct {
	mu       sync.Mutex
	validity bool
	proposed map[int][]any
	first    map[int]any
	firstBy  map[int]int
	reported map[[2]int]any // (peer, instance) -> value
	err      string
}

// NewDecisions returns an empty record; with validity, Observe also checks
// that each value was Proposed.
func NewDecisions(validity bool) *Decisions {
	return &Decisions{
		validity: validity,
		proposed: map[int][]any{},
		first:    map[int]any{},
		firstBy:  map[int]int{},
		reported: map[[2]int]any{},
	}
}

// Proposed records v as proposed for instance seq.
func (d *Decisions) Proposed(seq int, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.proposed[seq] = append(d.proposed[seq], v)
}

// Instances returns the instances proposed so far.
func (d *Decisions) Instances() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	seqs := make([]int, 0, len(d.proposed))
	for seq := range d.proposed {
		seqs = append(seqs, seq)
	}
	return seqs
}

// Observe records that peer reported instance seq decided as v.
func (d *Decisions) Observe(peer, seq int, v any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != "" {
		return
	}
	key := [2]int{peer, seq}
	if old, ok := d.reported[key]; ok && !reflect.DeepEqual(old, v) {
		d.err = fmt.Sprintf("safety: peer %d reported instance %d decided as %+v, later as %+v", peer, seq, old, v)
		return
	}
	d.reported[key] = v
	if first, ok := d.first[seq]; ok {
		if !reflect.DeepEqual(first, v) {
			d.err = fmt.Sprintf("safety: instance %d decided as %+v on peer %d but as %+v on peer %d", seq, first, d.firstBy[seq], v, peer)
		}
		return
	}
	if d.validity && !d.wasProposedLocked(seq, v) {
		d.err = fmt.Sprintf("safety: instance %d decided on peer %d as %+v, which was never proposed for it (proposed: %+v)", seq, peer, v, d.proposed[seq])
		return
	}
	d.first[seq], d.firstBy[seq] = v, peer
}

func (d *Decisions) wasProposedLocked(seq int, v any) bool {
	for _, p := range d.proposed[seq] {
		if reflect.DeepEqual(p, v) {
			return true
		}
	}
	return false
}

// Err returns the first violation seen, or "".
func (d *Decisions) Err() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// Watch calls sweep every interval (virtual time) until stop is called;
// stop waits for a sweep in progress and may be called more than once.
func Watch(interval time.Duration, sweep func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				sweep()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
