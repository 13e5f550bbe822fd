package main

import (
	"context"
	"go/format"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/gotest"
	"distlabs/test/internal/testutil"
)

// TestFixtureHandout generates the handout of testdata/sample: each region
// turns into its stub, the solution-only file and the unused imports go, no
// marker text remains, and the result builds and vets.
func TestFixtureHandout(t *testing.T) {
	skipWithoutMarkers(t)
	out := filepath.Join(t.TempDir(), "handout")
	st, err := solution.Generate(filepath.Join("testdata", "sample"), out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Regions != 3 || len(st.Dropped) != 1 {
		t.Fatalf("stats %+v, want 3 regions and 1 dropped file", st)
	}
	data, err := os.ReadFile(filepath.Join(out, "calc", "calc.go"))
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	if formatted, err := format.Source(data); err != nil || string(formatted) != got {
		t.Errorf("handout calc.go is not gofmt'd (%v):\n%s", err, got)
	}
	for _, want := range []string{"// Your code here (1A).\n\treturn 0\n", "func Shout(s string) string {\n\treturn s\n}"} {
		if !strings.Contains(got, want) {
			t.Errorf("handout lacks the stub %q:\n%s", want, got)
		}
	}
	for _, gone := range []string{"total +=", "helper", `"fmt"`, `"strings"`, "solution:"} {
		if strings.Contains(got, gone) {
			t.Errorf("handout still contains %q:\n%s", gone, got)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "calc", "secret.go")); err == nil {
		t.Errorf("solution-only file secret.go is in the handout")
	}
	if left, err := solution.FindMarkers(out); err != nil || len(left) > 0 {
		t.Fatalf("markers left: %v %v", left, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := solution.Verify(ctx, out); err != nil {
		t.Fatal(err)
	}
	// The graded test fails on the stub, and fails fast.
	bin := filepath.Join(t.TempDir(), "calc.test")
	if err := gotest.Compile(ctx, out, "./calc", bin); err != nil {
		t.Fatal(err)
	}
	res := gotest.Run(ctx, gotest.Spec{Bin: bin, Dir: filepath.Join(out, "calc"), Test: "TestSum", Timeout: 30 * time.Second})
	if res.Status != gotest.Fail {
		t.Fatalf("TestSum on the stub: %s (%s), want a fast failure", res.Status, res.Reason)
	}
}

func TestOutputMustBeEmpty(t *testing.T) {
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := solution.Generate(filepath.Join("testdata", "sample"), out, solution.Options{}); err == nil {
		t.Fatal("Generate wrote into a non-empty directory")
	}
}

// skipWithoutMarkers skips a test of the generator inside a generated
// handout, which strips the markers of the fixture too.
func skipWithoutMarkers(t *testing.T) {
	t.Helper()
	if data, err := os.ReadFile(filepath.Join("testdata", "sample", "calc", "calc.go")); err != nil {
		t.Fatal(err)
	} else if !strings.Contains(string(data), "//solution:begin") {
		t.Skip("fixture has no markers: running inside a generated handout")
	}
}

// sampleTimeout bounds one graded test of the handout in real time: a stub
// must make its tests fail within seconds, not hang until the grader's limit.
const sampleTimeout = 60 * time.Second

// TestRepoHandout is the handout check of `make test`: the handout of the
// current tree builds and vets, contains no marker, and the first graded
// test of every lab in the rubric fails quickly on it.
func TestRepoHandout(t *testing.T) {
	testutil.SkipShort(t, "builds the whole repository; skipped with -short")
	root := testutil.ModuleRoot(t)
	out := filepath.Join(t.TempDir(), "handout")
	st, err := solution.Generate(root, out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d regions stubbed in %d files, %d files dropped", st.Regions, st.Files, len(st.Dropped))
	if left, err := solution.FindMarkers(out); err != nil || len(left) > 0 {
		t.Fatalf("markers left in the handout: %v %v", left, err)
	}
	// The mutant patches quote reference code around each bug.
	if _, err := os.Stat(filepath.Join(out, "test", "mutants")); err == nil {
		t.Fatal("the handout ships test/mutants (the mutant patches quote reference code)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	if err := solution.Verify(ctx, out); err != nil {
		t.Fatal(err)
	}

	for _, s := range sampleTests(t, root) {
		t.Run(s.lab, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), s.lab+".test")
			if err := gotest.Compile(ctx, out, s.pkg, bin); err != nil {
				t.Fatal(err)
			}
			res := gotest.Run(ctx, gotest.Spec{
				Bin: bin, Dir: filepath.Join(out, s.pkg), Test: s.test, Seed: 1,
				SeedFlag: gotest.SupportsFlag(ctx, nil, bin, filepath.Join(out, s.pkg), "seed"),
				Timeout:  sampleTimeout,
			})
			switch res.Status {
			case gotest.Fail:
				t.Logf("%s fails on the handout in %v, as it should", s.test, res.Elapsed.Round(time.Millisecond))
			case gotest.Timeout:
				t.Fatalf("%s hangs on the handout (killed after %v): stubs must make tests fail fast\n%s", s.test, sampleTimeout, tailOf(res.Output))
			default:
				t.Fatalf("%s on the handout: %s (%s), want a failure: a graded test that passes on the stubs cannot fail\n%s", s.test, res.Status, res.Reason, tailOf(res.Output))
			}
		})
	}
}

type sample struct{ lab, pkg, test string }

// sampleTests picks the first graded test of every lab whose package exists.
func sampleTests(t *testing.T, root string) []sample {
	t.Helper()
	var out []sample
	for _, l := range rubricLabs(t, root) {
		// Test names are plain identifiers: QuoteMeta left them as they are.
		out = append(out, sample{lab: l.name, pkg: l.pkg, test: l.tests[0]})
	}
	return out
}

func tailOf(s string) string {
	if len(s) > 3000 {
		return "..." + s[len(s)-3000:]
	}
	return s
}

// TestUnknownPartIsAnError: UPTO must name a part some marker carries; the
// error lists the parts that exist, so a typo does not silently stub or keep
// everything.
func TestUnknownPartIsAnError(t *testing.T) {
	skipWithoutMarkers(t)
	_, err := solution.Generate(filepath.Join("testdata", "sample"), filepath.Join(t.TempDir(), "h"), solution.Options{UpTo: "2A"})
	if err == nil {
		t.Fatal("UpTo=2A accepted for a tree whose markers tag only 1A and 1B")
	}
	if !strings.Contains(err.Error(), "1A 1B") {
		t.Fatalf("the error does not list the known parts: %v", err)
	}
	if _, err := solution.Generate(filepath.Join("testdata", "sample"), filepath.Join(t.TempDir(), "h"), solution.Options{UpTo: "1a"}); err != nil {
		t.Fatalf("UpTo=1a (a known part, lower case): %v", err)
	}
}

// TestCopiesOnlyTrackedFiles: in a git work tree the handout holds the files
// git tracks and nothing else (no binaries or data a quick start left
// behind); outside one, every file is copied and the stats say so.
func TestCopiesOnlyTrackedFiles(t *testing.T) {
	src := t.TempDir()
	files := map[string]string{
		"go.mod":       "module m\n\ngo 1.22\n",
		"p/p.go":       "package p\n",
		"netsort":      "\x7fELF binary",
		"p/in-0":       "quick-start data",
		"mr-out-0":     "a 1\n",
		"p/p_test.txt": "untracked",
	}
	testutil.WriteFiles(t, src, files)
	for _, args := range [][]string{{"init", "-q"}, {"add", "go.mod", "p/p.go"}} {
		if out, err := testutil.Git(t, src, args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	out := filepath.Join(t.TempDir(), "h")
	st, err := solution.Generate(src, out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Untracked {
		t.Error("a git work tree was copied as untracked")
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(out, name))
		if want := name == "go.mod" || name == "p/p.go"; (err == nil) != want {
			t.Errorf("%s in the handout: %v, want %v", name, err == nil, want)
		}
	}

	if err := os.RemoveAll(filepath.Join(src, ".git")); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(t.TempDir(), "h")
	st, err = solution.Generate(src, out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Untracked {
		t.Error("a tree outside git was not reported as copied whole")
	}
	if _, err := os.Stat(filepath.Join(out, "netsort")); err != nil {
		t.Errorf("outside git every file is copied: %v", err)
	}
}

// TestNoEmptyDirectory: a directory whose files are all reference-only
// (shardkv/internal/rsm) is left out of the handout, and so is a parent it
// leaves empty; a directory that keeps a file ships.
func TestNoEmptyDirectory(t *testing.T) {
	src := t.TempDir()
	refOnly := "//" + "solution:file\n\npackage rsm\n" // no marker line in this file
	for name, text := range map[string]string{
		"go.mod":                      "module m\n\ngo 1.22\n",
		"kv/kv.go":                    "package kv\n",
		"kv/internal/rsm/rsm.go":      refOnly,
		"kv/internal/rsm/rsm_test.go": refOnly,
		"kv/ref/ref.go":               refOnly,
		"kv/ref/README.md":            "kept\n",
	} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "h")
	st, err := solution.Generate(src, out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Dropped) != 3 {
		t.Fatalf("dropped %v, want the three reference-only files", st.Dropped)
	}
	for _, gone := range []string{"kv/internal/rsm", "kv/internal"} {
		if _, err := os.Stat(filepath.Join(out, gone)); err == nil {
			t.Errorf("the handout ships the empty directory %s", gone)
		}
	}
	for _, kept := range []string{"kv/kv.go", "kv/ref/README.md"} {
		if _, err := os.Stat(filepath.Join(out, kept)); err != nil {
			t.Errorf("%s did not ship: %v", kept, err)
		}
	}
}
