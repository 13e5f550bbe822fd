//solution:file 4A

package shardctrler

import "sort"

// rebalance returns the assignment of shards to the given groups that
// differs least from shards: every shard of a group not in groups (gid 0,
// or a group that left) moves, and a group keeps min(its shards, its quota)
// of its own. Quotas are NShards/len(groups), one more for the
// NShards%len(groups) groups that hold the most shards now (ties to the
// smaller gid), which maximises the shards that stay put. Released and
// orphaned shards go, smallest first, to the groups below quota in gid
// order. Every choice is ordered by shard number or gid, never by map
// iteration, so replicas agree.
func rebalance(shards [NShards]int, groups map[int][]string) [NShards]int {
	var out [NShards]int
	if len(groups) == 0 {
		return out // every shard on gid 0
	}
	gids := sortedGIDs(groups)
	count := make(map[int]int, len(gids))
	var free []int
	for s, g := range shards {
		if _, ok := groups[g]; ok {
			count[g]++
			out[s] = g
		} else {
			free = append(free, s)
		}
	}

	byLoad := append([]int(nil), gids...)
	sort.SliceStable(byLoad, func(i, j int) bool { return count[byLoad[i]] > count[byLoad[j]] })
	quota := make(map[int]int, len(gids))
	for rank, g := range byLoad {
		quota[g] = NShards / len(gids)
		if rank < NShards%len(gids) {
			quota[g]++
		}
	}

	// An over-full group gives up its highest-numbered shards.
	for s := NShards - 1; s >= 0; s-- {
		if g := out[s]; g != 0 && count[g] > quota[g] {
			count[g]--
			out[s] = 0
			free = append(free, s)
		}
	}
	sort.Ints(free)
	for _, g := range gids {
		for count[g] < quota[g] {
			out[free[0]] = g
			free = free[1:]
			count[g]++
		}
	}
	return out
}

// sortedGIDs returns the gids of groups in increasing order.
func sortedGIDs(groups map[int][]string) []int {
	gids := make([]int, 0, len(groups))
	for g := range groups {
		gids = append(gids, g)
	}
	sort.Ints(gids)
	return gids
}

// copyGroups returns a deep copy of groups, so that no configuration
// shares a map or slice with another or with a request.
func copyGroups(groups map[int][]string) map[int][]string {
	out := make(map[int][]string, len(groups))
	for g, servers := range groups {
		out[g] = append([]string(nil), servers...)
	}
	return out
}
