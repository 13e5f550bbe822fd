package labrpc

// Partition splits hosts into groups that can talk only among themselves,
// replacing any earlier partition, for readable tests:
//
//	rn.Partition([]string{"s0", "s1"}, []string{"s2"}) // s2 alone
//	...
//	rn.Heal()
//
// A host named in no group is cut off from everyone. Streams between hosts
// in different groups stall (writes buffer, reads wait) until the partition
// changes. An end made with MakeEndFrom(endname, host) is cut off when host
// and its server's name (formatted with fmt.Sprint, so servers named 0, 1,
// 2 are hosts "0", "1", "2") are in different groups. The partition is a
// filter on top of Enable: it never changes what Enable set, so Heal
// restores exactly the ends the test had enabled.
func (rn *Network) Partition(groups ...[]string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.groups = map[string]int{}
	for i, g := range groups {
		for _, h := range g {
			rn.groups[h] = i + 1
		}
	}
	rn.topologyChangedLocked()
	rn.recordPartition(groups)
}

// Heal ends any partition.
func (rn *Network) Heal() {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.groups = nil
	rn.topologyChangedLocked()
	rn.recordPartition(nil)
}

// topologyChangedLocked wakes everything waiting for the partition to
// change. rn.mu must be held.
func (rn *Network) topologyChangedLocked() {
	if rn.topo != nil {
		close(rn.topo)
	}
	rn.topo = make(chan struct{})
}

// sameGroupLocked reports whether hosts a and b may talk. rn.mu must be held.
func (rn *Network) sameGroupLocked(a, b string) bool {
	if rn.groups == nil || a == b {
		return true
	}
	ga, gb := rn.groups[a], rn.groups[b]
	return ga != 0 && ga == gb
}

// reachable reports whether hosts a and b may talk now, with a channel that
// is closed at the next change of the partition.
func (rn *Network) reachable(a, b string) (<-chan struct{}, bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.topo == nil {
		rn.topo = make(chan struct{})
	}
	return rn.topo, rn.sameGroupLocked(a, b)
}
