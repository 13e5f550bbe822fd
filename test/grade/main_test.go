package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandEndToEnd runs the built grader the way make does (options in
// the environment) and checks its table, Score line, results.json and exit
// status: 0 iff every graded test passed.
func TestCommandEndToEnd(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "grade")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build grader: %v\n%s", err, out)
	}
	root, err := filepath.Abs(filepath.Join("testdata", "fixture"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(env ...string) (string, int) {
		t.Helper()
		results := filepath.Join(t.TempDir(), "results.json")
		cmd := exec.Command(bin, "-root", root, "-rubric", filepath.Join(root, "rubric.yaml"))
		// Options a caller of `make test` may have exported must not leak in.
		base := []string{"LAB=", "PART=", "SEEDS=1", "SUBMISSION=", "SUBMISSIONS=", "CSV=", "HIDDEN=", "TIMEOUT=",
			"MEMLIMIT=", "CPULIMIT=", "KEEP=", "RESULTS=" + results, "JOBS=2"}
		cmd.Env = append(append(os.Environ(), base...), env...)
		out, err := cmd.Output()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		data, rerr := os.ReadFile(results)
		if rerr != nil {
			t.Fatalf("results.json not written: %v\n%s", rerr, out)
		}
		var res struct{ Score float64 }
		if err := json.Unmarshal(data, &res); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), "results.json: "+results) {
			t.Errorf("results path not printed:\n%s", out)
		}
		return string(out), code
	}

	out, code := run("LAB=good", "PART=A")
	if code != 0 || !strings.Contains(out, "Score: 2/2") || !strings.Contains(out, "TestGood") {
		t.Fatalf("good lab: exit %d\n%s", code, out)
	}
	out, code = run("LAB=lying")
	if code != 1 || !strings.Contains(out, "Score: 0/10") {
		t.Fatalf("lying lab: exit %d\n%s", code, out)
	}
}
