package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

// partLabs lists, per package with part-tagged markers, its parts in order.
// Test names end with their part (TestBackup2B), which is how the tests of a
// part are selected.
var partLabs = []struct {
	pkg   string
	scope string // UPTO's lab prefix for lettered parts ("surfstore:S1")
	parts []string
}{
	{pkg: "./raft", parts: []string{"2A", "2B", "2C", "2D"}},
	{pkg: "./raft/kvraft", parts: []string{"3A", "3B"}},
	{pkg: "./surfstore", scope: "surfstore:", parts: []string{"S1", "S2", "S3"}},
}

// TestUpToHandoutsPassTheirParts checks that the part tags of the markers
// agree with the tests: a handout made with UPTO=P (the reference of parts
// through P kept) passes every test of the parts through P, and the tests of
// the part after P fail on its stubs. A region tagged later than a test needs
// (say, heartbeats tagged 2B while a 2A test relies on them) fails the first
// half; a region tagged too early hands out the next part's solution and
// fails the second.
func TestUpToHandoutsPassTheirParts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds one handout per part; skipped with -short")
	}
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if left, err := solution.FindMarkers(filepath.Join(root, "raft")); err != nil || len(left) == 0 {
		t.Skip("no raft package with markers (inside a generated handout?)")
	}
	for _, lab := range partLabs {
		for i, p := range lab.parts {
			if i == len(lab.parts)-1 {
				break // the last part's handout is the reference of this package
			}
			t.Run(p, func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "handout")
				if _, err := solution.Generate(root, out, solution.Options{UpTo: lab.scope + p}); err != nil {
					t.Fatal(err)
				}
				done := lab.parts[:i+1]
				passed, failed, log := runParts(t, out, lab.pkg, done)
				if len(failed) > 0 {
					t.Errorf("UPTO=%s: tests of parts %v fail although their reference is kept: %v\n%s", p, done, failed, tailOf(log))
				}
				if len(passed) == 0 {
					t.Errorf("UPTO=%s: no test of parts %v ran\n%s", p, done, tailOf(log))
				}
				next := lab.parts[i+1]
				passed, failed, log = runParts(t, out, lab.pkg, []string{next})
				if len(failed) == 0 {
					t.Errorf("UPTO=%s: no test of part %s fails on its stubs (passing: %v)\n%s", p, next, passed, tailOf(log))
				} else if len(passed) > 0 {
					t.Logf("UPTO=%s: tests of part %s that pass on its stubs: %v", p, next, passed)
				}
			})
		}
	}
}

// resultLine matches the result line of a top-level test (subtests' are
// indented).
var resultLine = regexp.MustCompile(`(?m)^--- (PASS|FAIL): (Test\w+)`)

// runParts runs the top-level tests of pkg in the handout dir whose names
// end with one of parts and returns the names that passed and failed.
func runParts(t *testing.T, dir, pkg string, parts []string) (passed, failed []string, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := "^Test.*(" + strings.Join(parts, "|") + ")$"
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-timeout=4m", "-v", "-run", run, pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("go test -run %q %s in the handout did not finish: %v\n%s", run, pkg, ctx.Err(), tailOf(string(out)))
	}
	for _, m := range resultLine.FindAllStringSubmatch(string(out), -1) {
		if m[1] == "PASS" {
			passed = append(passed, m[2])
		} else {
			failed = append(failed, m[2])
		}
	}
	if err != nil && len(failed) == 0 {
		// A build error or a crash: no test result to point at.
		failed = append(failed, "(go test: "+err.Error()+")")
	}
	return passed, failed, string(out)
}
