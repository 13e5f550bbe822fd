//solution:file

package shardmaster

import "slices"

// rebalance returns shards reassigned to groups, the 2015 way: first every
// shard whose group is gone (gid 0, or a group that left) goes to the
// group holding the fewest, then one shard at a time moves from the group
// holding the most to the group holding the fewest until they differ by at
// most one. Each step fixes an imbalance no assignment can avoid fixing,
// so no shard moves that need not. Ties go to the smaller gid and the
// shard a group gives up is the one it got last: every replica
// computes the same result whatever order Go gives the map's keys.
func rebalance(shards [NShards]int64, groups map[int64][]string) [NShards]int64 {
	if len(groups) == 0 {
		return [NShards]int64{} // every shard on gid 0
	}
	gids := make([]int64, 0, len(groups))
	for g := range groups {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	owned := make(map[int64][]int, len(gids)) // gid -> its shards, the last one got last
	var orphans []int
	for s, g := range shards {
		if _, ok := groups[g]; ok {
			owned[g] = append(owned[g], s)
		} else {
			orphans = append(orphans, s)
		}
	}
	// extreme returns the first gid (in order) with the fewest shards, or
	// with the most.
	extreme := func(most bool) int64 {
		best := gids[0]
		for _, g := range gids[1:] {
			if n, b := len(owned[g]), len(owned[best]); (most && n > b) || (!most && n < b) {
				best = g
			}
		}
		return best
	}
	for _, s := range orphans {
		g := extreme(false)
		owned[g] = append(owned[g], s)
		shards[s] = g
	}
	for {
		hi, lo := extreme(true), extreme(false)
		if len(owned[hi])-len(owned[lo]) <= 1 {
			return shards
		}
		s := owned[hi][len(owned[hi])-1]
		owned[hi] = owned[hi][:len(owned[hi])-1]
		owned[lo] = append(owned[lo], s)
		shards[s] = lo
	}
}
