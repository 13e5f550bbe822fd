package shardctrler

import (
	"fmt"
	"slices"
	"sort"

	"distlabs/test/labtest"
)

// servers returns the server names the tests give group gid.
func servers(gid int) []string {
	return []string{fmt.Sprintf("g%d-a", gid), fmt.Sprintf("g%d-b", gid), fmt.Sprintf("g%d-c", gid)}
}

// joinArg is the Join argument for the given gids.
func joinArg(gids ...int) map[int][]string {
	m := make(map[int][]string, len(gids))
	for _, g := range gids {
		m[g] = servers(g)
	}
	return m
}

// checkConfig fails the test unless c holds exactly the groups gids, with
// the servers the tests gave them, and its shards are spread over them
// evenly (counts differ by at most one; no shard on gid 0 unless there are
// no groups).
func checkConfig(t *labtest.T, c Config, gids []int) {
	t.Helper()
	var have []int
	for g := range c.Groups {
		have = append(have, g)
	}
	sort.Ints(have)
	want := append([]int(nil), gids...)
	sort.Ints(want)
	if !slices.Equal(have, want) {
		t.Fatalf("config %d has groups %v, want %v", c.Num, have, want)
	}
	for _, g := range want {
		if !slices.Equal(c.Groups[g], servers(g)) {
			t.Fatalf("config %d: group %d has servers %v, want %v", c.Num, g, c.Groups[g], servers(g))
		}
	}
	counts := map[int]int{}
	for s, g := range c.Shards {
		if len(want) == 0 {
			if g != 0 {
				t.Fatalf("config %d has no groups but assigns shard %d to gid %d (want 0)", c.Num, s, g)
			}
			continue
		}
		if _, ok := c.Groups[g]; !ok {
			t.Fatalf("config %d assigns shard %d to gid %d, which is not in the config", c.Num, s, g)
		}
		counts[g]++
	}
	if len(want) == 0 {
		return
	}
	lo, hi := NShards, 0
	for _, g := range want {
		lo, hi = min(lo, counts[g]), max(hi, counts[g])
	}
	if hi-lo > 1 {
		t.Fatalf("config %d is unbalanced: shards per group %v (max %d, min %d; they may differ by one)", c.Num, counts, hi, lo)
	}
}

// moved returns the shards whose group differs between a and b.
func moved(a, b Config) []int {
	var out []int
	for s := range NShards {
		if a.Shards[s] != b.Shards[s] {
			out = append(out, s)
		}
	}
	return out
}

// fewestMoves is the least number of shards any balanced assignment of
// next's groups must move away from prev's assignment: a group keeps at
// most its quota of its own shards; the quotas are NShards/n each, plus one
// for NShards%n groups, best spent on groups that have more than the base.
func fewestMoves(prev Config, next Config) int {
	n := len(next.Groups)
	if n == 0 {
		return len(moved(prev, next))
	}
	base, extra := NShards/n, NShards%n
	counts := map[int]int{}
	for _, g := range prev.Shards {
		if _, ok := next.Groups[g]; ok {
			counts[g]++
		}
	}
	kept, over := 0, 0
	for g := range next.Groups {
		kept += min(counts[g], base)
		if counts[g] > base {
			over++
		}
	}
	kept += min(extra, over)
	return NShards - kept
}

// sameConfig reports how a and b differ, or "" if they are equal.
func sameConfig(a, b Config) string {
	if a.Num != b.Num {
		return fmt.Sprintf("numbers %d and %d", a.Num, b.Num)
	}
	if a.Shards != b.Shards {
		return fmt.Sprintf("config %d: shards %v and %v", a.Num, a.Shards, b.Shards)
	}
	if len(a.Groups) != len(b.Groups) {
		return fmt.Sprintf("config %d: %d and %d groups", a.Num, len(a.Groups), len(b.Groups))
	}
	for g, s := range a.Groups {
		if !slices.Equal(s, b.Groups[g]) {
			return fmt.Sprintf("config %d: group %d has servers %v and %v", a.Num, g, s, b.Groups[g])
		}
	}
	return ""
}
