package good

import "testing"

// TestReplaced is the hidden version: it replaces the public file.
func TestReplaced(t *testing.T) {
	if Answer() != 42 {
		t.Fatal("wrong answer")
	}
}
