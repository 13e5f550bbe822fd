package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWritesResultsWhenGradingFails: with no grader to run,
// run_autograder still leaves a results.json of score 0 that says why, so
// Gradescope shows the student a reason rather than a crash.
func TestRunWritesResultsWhenGradingFails(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "source")
	for _, dir := range []string{src, filepath.Join(root, "submission")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := json.Marshal(settings{Lab: "raft", Package: "raft", Seeds: 1})
	if err := os.WriteFile(filepath.Join(src, settingsFile), st, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runMain([]string{"-root", root}); err == nil {
		t.Fatal("run with no grader binary succeeded")
	}
	data, err := os.ReadFile(filepath.Join(root, "results", "results.json"))
	if err != nil {
		t.Fatalf("no results.json after a failed run: %v", err)
	}
	var r struct {
		Score  float64 `json:"score"`
		Output string  `json:"output"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Score != 0 || !strings.Contains(r.Output, "could not grade") {
		t.Fatalf("results.json = %s; want score 0 and the reason", data)
	}
}

// TestLabSettings: the bundle names a lab and part of the rubric, and an
// unknown one is refused with the choices.
func TestLabSettings(t *testing.T) {
	rubric := filepath.Join(t.TempDir(), "rubric.yaml")
	yaml := "labs:\n  - lab: raft\n    package: ./raft\n    tests:\n      - {name: TestA2A, part: 2A, points: 1}\n"
	if err := os.WriteFile(rubric, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := labSettings(rubric, "raft", "2A")
	if err != nil || st.Package != "raft" || st.Part != "2A" {
		t.Fatalf("labSettings(raft, 2A) = %+v, %v", st, err)
	}
	for _, bad := range [][2]string{{"paxos", ""}, {"raft", "2B"}} {
		if _, err := labSettings(rubric, bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "raft") {
			t.Errorf("labSettings(%q, %q) = %v; want an error naming the choices", bad[0], bad[1], err)
		}
	}
}
