package main

import (
	"slices"
	"testing"
)

// TestFailingTests: a failing seed names the top-level tests that failed,
// or, when the process died without saying (a watchdog exit, a timeout
// kill), the one that was running.
func TestFailingTests(t *testing.T) {
	cases := []struct {
		name, output string
		want         []string
	}{
		{"fail lines", "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    x_test.go:9: boom\n--- FAIL: TestB (0.01s)\n=== RUN   TestC\n=== RUN   TestC/sub\n    --- FAIL: TestC/sub (0.00s)\n--- FAIL: TestC (0.00s)\nFAIL\n", []string{"TestB", "TestC"}},
		{"killed mid-test", "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\nlabtest: TestB still running after 1m0s\n", []string{"TestB"}},
		{"nothing", "PASS\n", nil},
	}
	for _, tc := range cases {
		if got := failingTests(tc.output); !slices.Equal(got, tc.want) {
			t.Errorf("%s: failingTests = %q; want %q", tc.name, got, tc.want)
		}
	}
}
