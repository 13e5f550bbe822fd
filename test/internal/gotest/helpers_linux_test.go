package gotest

import (
	"context"
	"testing"

	"distlabs/test/internal/testutil"
)

// helperEnv makes a helper test (TestLimitsHelper, TestSandboxHelper) do
// its work instead of skipping: it is set only in the child a test of this
// package runs through Run. TestSandboxHelper reads its value as a host
// path it must not see.
const helperEnv = "GOTEST_HELPER"

// helperOnly skips a helper test run directly: it is a child process of
// another test, not a test.
func helperOnly(t *testing.T) {
	t.Helper()
	testutil.ChildOnly(t, helperEnv, "helper process only")
}

// runHelper runs a helper test of this binary as Run would run a graded
// test, failing t unless it passed: the limits and sandbox tests read what
// the helper printed, which means nothing if it did not run to the end.
func runHelper(t *testing.T, spec Spec) Result {
	t.Helper()
	res := Run(context.Background(), spec)
	if res.Status != Pass {
		t.Fatalf("helper: %s (%s)\n%s", res.Status, res.Reason, res.Output)
	}
	return res
}
