// Package flaky is the stress runner's fixture: TestRare fails for one seed
// in 50, like a rare bug.
package flaky

import (
	"flag"
	"testing"
)

// seed mimics the harness's -seed flag.
var seed = flag.Int64("seed", 0, "seed")

func TestRare(t *testing.T) {
	if *seed%50 == 7 {
		t.Fatalf("rare failure with seed %d", *seed)
	}
}

func TestOther(t *testing.T) {}
