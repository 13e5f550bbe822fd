package good

import "testing"

// TestHiddenExtra exists only in the hidden suite.
func TestHiddenExtra(t *testing.T) {
	if Answer()*2 != 84 {
		t.Fatal("wrong answer")
	}
}
