package labrpc

// Partitions by host name, for readable tests:
//
//	net.Partition([]string{"s0", "s1"}, []string{"s2"}) // s2 alone
//	...
//	net.Heal()
//
// Streams between hosts in different groups stall (writes buffer, reads
// wait) until Heal. Ends made with MakeEndFrom are enabled exactly when
// their host and their server (named by a string) are in the same group.
// A host named in no group is cut off from everyone.

// Partition splits the named hosts into groups that can talk only among
// themselves. It replaces any earlier partition.
func (rn *Network) Partition(groups ...[]string) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.groups = map[string]int{}
	for i, g := range groups {
		for _, h := range g {
			rn.groups[h] = i + 1
		}
	}
	rn.applyGroupsLocked()
}

// Heal ends any partition.
func (rn *Network) Heal() {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	rn.groups = nil
	rn.applyGroupsLocked()
}

// applyGroupsLocked enables host-owned ends per the groups and wakes
// everything waiting on the topology. rn.mu must be held.
func (rn *Network) applyGroupsLocked() {
	for endname, host := range rn.endHost {
		server, _ := rn.connections[endname].(string)
		rn.enabled[endname] = rn.sameGroupLocked(host, server)
	}
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
