package main

import (
	"hash/fnv"
	"strconv"
)

// seedsFor returns n seeds for test name. They depend only on the name and
// the index, so a rerun of the grader replays exactly the same runs and a
// failure report's seed reproduces the failure.
func seedsFor(name string, n int) []int64 {
	seeds := make([]int64, n)
	for i := range seeds {
		h := fnv.New64a()
		// Writing to a hash never fails.
		_, _ = h.Write([]byte(name + "#" + strconv.Itoa(i)))
		seeds[i] = int64(h.Sum64()%1_000_000_000) + 1
	}
	return seeds
}
