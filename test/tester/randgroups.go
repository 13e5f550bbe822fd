package tester

// RandomGroups puts each of n servers in one of k partition groups, drawn
// with intn (a nemesis's own source, so a seed replays the same
// partitions), for Group.Partition; a group may be empty.
func RandomGroups(n, k int, intn func(int) int) [][]int {
	groups := make([][]int, k)
	for i := 0; i < n; i++ {
		g := intn(k)
		groups[g] = append(groups[g], i)
	}
	return groups
}
