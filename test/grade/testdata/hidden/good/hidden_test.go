package good

import (
	"testing"

	"fixture/harness"
)

// TestHiddenExtra exists only in the hidden suite.
func TestHiddenExtra(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		if Answer()*2 != 84 {
			t.Fatal("wrong answer")
		}
	})
}
