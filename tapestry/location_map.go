package tapestry

import (
	"sort"
	"sync"
	"time"
)

// MaxReplicas caps the replicas a root records for one key, so that a
// client registering without end cannot grow a root's memory without
// bound: a full key keeps the entries registered last.
const MaxReplicas = 64

// LocationMap is a root's record of who holds each object: key -> replica
// -> when the entry expires. An entry lives TIMEOUT after its last
// registration; publishers register again every REPUBLISH (Zhao et al.
// 2004, §III-B: soft state).
type LocationMap struct {
	mu   sync.Mutex
	data map[string]map[RemoteNode]time.Time
}

// NewLocationMap returns an empty map.
func NewLocationMap() *LocationMap {
	return &LocationMap{data: map[string]map[RemoteNode]time.Time{}}
}

// Register records replica for key for timeout from now; it reports
// whether the entry is new.
func (m *LocationMap) Register(key string, replica RemoteNode, timeout time.Duration) bool {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.data[key]
	if set == nil {
		set = map[RemoteNode]time.Time{}
		m.data[key] = set
	}
	expireLocked(set, now)
	_, had := set[replica]
	if !had && len(set) >= MaxReplicas {
		var oldest RemoteNode
		first := true
		for r, at := range set {
			if first || at.Before(set[oldest]) || (at.Equal(set[oldest]) && r.Address < oldest.Address) {
				oldest, first = r, false
			}
		}
		delete(set, oldest)
	}
	set[replica] = now.Add(timeout)
	return !had
}

// Unregister forgets replica for key; it reports whether it was there.
func (m *LocationMap) Unregister(key string, replica RemoteNode) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.data[key]
	_, had := set[replica]
	delete(set, replica)
	if len(set) == 0 {
		delete(m.data, key)
	}
	return had
}

// UnregisterAll forgets replica for every key (it is dead).
func (m *LocationMap) UnregisterAll(replica RemoteNode) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, set := range m.data {
		delete(set, replica)
		if len(set) == 0 {
			delete(m.data, key)
		}
	}
}

// Get returns the replicas of key whose entries have not expired, in order
// of address.
func (m *LocationMap) Get(key string) []RemoteNode {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.data[key]
	expireLocked(set, time.Now())
	if len(set) == 0 {
		delete(m.data, key)
		return nil
	}
	return listOf(set)
}

// listOf returns the replicas of set, sorted.
func listOf(set map[RemoteNode]time.Time) []RemoteNode {
	nodes := make([]RemoteNode, 0, len(set))
	for r := range set {
		nodes = append(nodes, r)
	}
	sortNodes(nodes)
	return nodes
}

// Keys returns the keys with at least one live entry, sorted.
func (m *LocationMap) Keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	var keys []string
	for key, set := range m.data {
		if expireLocked(set, now); len(set) == 0 {
			delete(m.data, key)
			continue
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// GetTransferRegistrations removes and returns the live entries of the keys
// whose root is remote rather than local once remote joins: surrogate
// routing tells the two apart at the first digit where their IDs differ,
// by which of their two digits comes first counting up (wrapping around)
// from the key's digit there.
func (m *LocationMap) GetTransferRegistrations(local, remote RemoteNode) map[string][]RemoteNode {
	q := SharedPrefixLength(local.ID, remote.ID)
	if q == DIGITS {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	out := map[string][]RemoteNode{}
	for key, set := range m.data {
		expireLocked(set, now)
		h := Hash(key)
		from := func(d Digit) int { return (int(d) - int(h[q]) + BASE) % BASE }
		moves := from(remote.ID[q]) < from(local.ID[q])
		if len(set) > 0 && moves {
			out[key] = listOf(set)
		}
		if len(set) == 0 || moves {
			delete(m.data, key)
		}
	}
	return out
}

// TakeAll removes and returns every live entry (a leaving node hands them
// on).
func (m *LocationMap) TakeAll() map[string][]RemoteNode {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	out := map[string][]RemoteNode{}
	for key, set := range m.data {
		if expireLocked(set, now); len(set) > 0 {
			out[key] = listOf(set)
		}
	}
	m.data = map[string]map[RemoteNode]time.Time{}
	return out
}

// RegisterAll records every entry of data for timeout from now.
func (m *LocationMap) RegisterAll(data map[string][]RemoteNode, timeout time.Duration) {
	for key, replicas := range data {
		for _, r := range replicas {
			m.Register(key, r, timeout)
		}
	}
}

func expireLocked(set map[RemoteNode]time.Time, now time.Time) {
	for r, at := range set {
		if !now.Before(at) {
			delete(set, r)
		}
	}
}

// sortNodes orders nodes by ID then address, so that every iteration over
// a set is the same under the same seed.
func sortNodes(nodes []RemoteNode) {
	sort.Slice(nodes, func(i, j int) bool {
		if nodes[i].ID != nodes[j].ID {
			return lessID(nodes[i].ID, nodes[j].ID)
		}
		return nodes[i].Address < nodes[j].Address
	})
}

// lessID orders IDs as numbers.
func lessID(a, b ID) bool {
	p := SharedPrefixLength(a, b)
	return p < DIGITS && a[p] < b[p]
}
