package tester

import "sync"

// States keeps what each server of a group persisted, across crashes, as
// 6.824's config does with its persisters. P is the persister type
// (*raft.Persister); its Copy returns an independent copy.
type States[P interface{ Copy() P }] struct {
	fresh func() P

	mu  sync.Mutex
	ps  []P
	has []bool
}

// NewStates keeps n servers' states; fresh makes an empty one.
func NewStates[P interface{ Copy() P }](n int, fresh func() P) *States[P] {
	return &States[P]{fresh: fresh, ps: make([]P, n), has: make([]bool, n)}
}

// Restart returns the state server i starts from: a copy of what it
// persisted, or an empty one the first time.
func (s *States[P]) Restart(i int) P {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has[i] {
		s.ps[i] = s.ps[i].Copy()
	} else {
		s.ps[i], s.has[i] = s.fresh(), true
	}
	return s.ps[i]
}

// Freeze detaches server i's state from the running instance (Spec.Crashed):
// what the instance writes after this, while it dies, goes to a copy
// nobody reads.
func (s *States[P]) Freeze(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has[i] {
		s.ps[i] = s.ps[i].Copy()
	}
}

// Get returns server i's current state, if it has one.
func (s *States[P]) Get(i int) (P, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ps[i], s.has[i]
}

// Max returns the largest size(state) over the servers (0 with none).
func (s *States[P]) Max(size func(P) int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	most := 0
	for i, p := range s.ps {
		if s.has[i] {
			most = max(most, size(p))
		}
	}
	return most
}
