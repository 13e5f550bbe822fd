package tester

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRandomGroups: every server lands in exactly one of the k groups, in
// order, and the same source replays the same groups.
func TestRandomGroups(t *testing.T) {
	draw := func() [][]int { return RandomGroups(7, 3, rand.New(rand.NewPCG(1, 2)).IntN) }
	groups := draw()
	if len(groups) != 3 {
		t.Fatalf("RandomGroups(7, 3) made %d groups; want 3", len(groups))
	}
	var all []int
	for _, g := range groups {
		if !slices.IsSorted(g) {
			t.Errorf("group %v is not in server order", g)
		}
		all = append(all, g...)
	}
	slices.Sort(all)
	if !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("the groups %v hold servers %v; want each of 0..6 once", groups, all)
	}
	if again := draw(); !slices.EqualFunc(groups, again, slices.Equal) {
		t.Errorf("the same source drew %v, then %v", groups, again)
	}
}
