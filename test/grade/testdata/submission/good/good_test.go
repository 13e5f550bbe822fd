package good

import "testing"

// TestGood was weakened by the student; the grader must use ours instead.
func TestGood(t *testing.T) {}
