package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenGood grades the fixture's good lab (part A) on a submission whose
// good.go is src.
func brokenGood(t *testing.T, src string) *Outcome {
	t.Helper()
	cfg := fixtureConfig(t, "good")
	cfg.Part = "A"
	sub := t.TempDir()
	if err := os.WriteFile(filepath.Join(sub, "go.mod"), []byte("module fixture\n\ngo 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(sub, "good"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "good", "good.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Submission = sub
	return outcome(t, grade(t, cfg), "TestGood")
}

// TestVetFindingDoesNotFailBuild: a go vet finding (a wrong printf verb in
// a debug print) is not a build failure: the tests run and score.
func TestVetFindingDoesNotFailBuild(t *testing.T) {
	t.Parallel()
	o := brokenGood(t, "package good\n\nimport \"fmt\"\n\nvar debug = false\n\n// Answer is what the tests check.\nfunc Answer() int {\n\tif debug {\n\t\tfmt.Printf(\"%d\\n\", \"answer\")\n\t}\n\treturn 42\n}\n")
	if !o.Passed {
		t.Fatalf("a vet finding failed the grading: %s %s\n%s", o.Status, o.Reason, o.Output)
	}
}

// TestBuildFailureReasonNamesError: the reason line of a build failure is
// the compiler's diagnostic, not the go command's exit status.
func TestBuildFailureReasonNamesError(t *testing.T) {
	t.Parallel()
	o := brokenGood(t, "package good\n\nfunc Answer() int { return }\n")
	if o.Status != "build failed" || !strings.Contains(o.Reason, "good.go:3") || !strings.Contains(o.Reason, "not enough return values") {
		t.Fatalf("reason %q (status %s), want the compiler's error at good.go:3", o.Reason, o.Status)
	}
}

// TestNotReproducibleSaysSo: a failure that a second run with the same
// seed does not repeat is reported as not reproducible by seed, with what
// would make it so; a failure the seed decides is not.
func TestNotReproducibleSaysSo(t *testing.T) {
	t.Parallel()
	// Without the sandbox: in one, each run gets a fresh artifacts
	// directory, and the fixture could not tell its runs apart.
	cfg := fixtureConfig(t, "unseeded")
	cfg.Isolation = "none"
	o := outcome(t, grade(t, cfg), "TestFailsOnce")
	if o.Passed || !strings.HasPrefix(o.Reason, notReproducible) || !strings.Contains(o.Output, "sorted order") {
		t.Fatalf("passed %v, reason %q; want a failure whose reason starts %q\n%s", o.Passed, o.Reason, notReproducible, o.Output)
	}
	cfg = fixtureConfig(t, "seeded")
	cfg.Seeds = 3
	if o := outcome(t, grade(t, cfg), "TestFailsForOneSeed"); o.Passed || strings.Contains(o.Reason, notReproducible) {
		t.Fatalf("a failure decided by the seed: passed %v, reason %q", o.Passed, o.Reason)
	}
}
