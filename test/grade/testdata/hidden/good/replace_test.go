package good

import (
	"testing"

	"fixture/harness"
)

// TestReplaced is the hidden version: it replaces the public file.
func TestReplaced(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		if Answer() != 42 {
			t.Fatal("wrong answer")
		}
	})
}
