package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/testutil"
)

// TestBundleGradesLikeTheGrader builds a bundle for viewservice, runs its
// setup.sh and run_autograder as Gradescope would (AUTOGRADER_ROOT in
// place of /autograder) on three uploads, and checks each results.json
// against the grader run directly on the same upload (make grade
// SUBMISSION=): the reference's files uploaded flat (full marks), the
// untouched handout as a whole tree (0), and the handout's files with a
// spoof that prints a pass and exits 0 before any test runs (0).
func TestBundleGradesLikeTheGrader(t *testing.T) {
	testutil.SkipShort(t, "builds and grades a bundle (about a minute)")
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	repo := testutil.ModuleRoot(t)
	root := t.TempDir()
	src := filepath.Join(root, "source")
	st, err := labSettings(filepath.Join(repo, "test", "rubric.yaml"), "viewservice", "")
	if err != nil {
		t.Fatal(err)
	}
	st.Seeds = 1
	if err := writeBundle(repo, src, st, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src + ".zip"); err != nil {
		t.Fatalf("no zip beside the bundle: %v", err)
	}
	env := append(os.Environ(), "AUTOGRADER_ROOT="+root, "GOFLAGS=-mod=mod", "GOPROXY=off")
	script(t, env, filepath.Join(src, "setup.sh"))
	copyFile(t, filepath.Join(src, "run_autograder"), filepath.Join(root, "run_autograder"))

	uploads := map[string]func(dir string){
		"reference, flat": func(dir string) {
			for _, f := range goFiles(t, filepath.Join(repo, "viewservice")) {
				copyFile(t, f, filepath.Join(dir, filepath.Base(f)))
			}
		},
		"handout, whole tree": func(dir string) {
			if _, err := solution.Generate(repo, dir, solution.Options{}); err != nil {
				t.Fatal(err)
			}
		},
		"spoof, flat": func(dir string) {
			stubs := t.TempDir()
			if _, err := solution.Generate(repo, stubs, solution.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, f := range goFiles(t, filepath.Join(stubs, "viewservice")) {
				copyFile(t, f, filepath.Join(dir, filepath.Base(f)))
			}
			spoof := "package viewservice\n\nimport \"os\"\n\nfunc init() { os.Stdout.WriteString(\"--- PASS: TestFirstPrimaryA (0.00s)\\nPASS\\n\"); os.Exit(0) }\n"
			if err := os.WriteFile(filepath.Join(dir, "spoof.go"), []byte(spoof), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	want := map[string]bool{"reference, flat": true, "handout, whole tree": false, "spoof, flat": false}
	for name, fill := range uploads {
		sub := filepath.Join(root, "submission")
		if err := os.RemoveAll(sub); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		fill(sub)
		script(t, env, filepath.Join(root, "run_autograder"))
		got, max := score(t, filepath.Join(root, "results", "results.json"))

		// The grader itself on the same upload, as make grade runs it.
		direct := filepath.Join(t.TempDir(), "results.json")
		cmd := exec.Command(filepath.Join(root, "bin", "grade"), "-root", repo, "-lab", "viewservice", "-seeds", "1", "-submission", sub, "-results", direct)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() != 1 {
			t.Fatalf("%s: the grader: %v\n%s", name, err, out)
		}
		wantScore, _ := score(t, direct)
		t.Logf("%s: bundle %v/%v, grader %v", name, got, max, wantScore)
		switch {
		case got != wantScore:
			t.Errorf("%s: the bundle scored %v, the grader %v", name, got, wantScore)
		case want[name] && got != max:
			t.Errorf("%s: scored %v of %v; want full marks", name, got, max)
		case !want[name] && got != 0:
			t.Errorf("%s: scored %v; want 0", name, got)
		}
	}
}

// script runs a bundle script with env and fails the test on an error.
func script(t *testing.T, env []string, path string) {
	t.Helper()
	cmd := exec.Command("bash", path)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(path), err, out)
	}
}

// score reads a results.json: the score and the sum of the tests' maxima.
func score(t *testing.T, path string) (got, max float64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Score float64 `json:"score"`
		Tests []struct {
			MaxScore float64 `json:"max_score"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, tc := range r.Tests {
		max += tc.MaxScore
	}
	if max == 0 {
		t.Fatalf("%s lists no graded test:\n%s", path, data)
	}
	return r.Score, max
}

// goFiles lists the non-test .go files of dir.
func goFiles(t *testing.T, dir string) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
