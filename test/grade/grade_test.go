package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The self-tests grade the fixture module under testdata/fixture, whose
// packages each break one rule a dishonest or broken test could exploit.
// Most run in parallel; those that start processes of their own (the
// grader binary, go build) or set the environment do not, because a
// grading's final sweep kills every child process gotest did not start.

func fixtureConfig(t *testing.T, lab string) Config {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "fixture"))
	if err != nil {
		t.Fatal(err)
	}
	return Config{
		Root:   root,
		Rubric: filepath.Join(root, "rubric.yaml"),
		Lab:    lab,
		Seeds:  1,
		Jobs:   2,
		OutDir: t.TempDir(),
	}
}

func grade(t *testing.T, cfg Config) *Report {
	t.Helper()
	rep, err := Grade(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatalf("Grade: %v", err)
	}
	return rep
}

// outcome finds the outcome of test name.
func outcome(t *testing.T, rep *Report, name string) *Outcome {
	t.Helper()
	for _, o := range rep.Outcomes {
		if o.Entry.Name == name {
			return o
		}
	}
	t.Fatalf("no outcome for %s", name)
	return nil
}

func TestGoodScoresFull(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "good")
	cfg.Part = "A"
	rep := grade(t, cfg)
	if got, max := rep.Score(); got != 2 || max != 2 || !rep.AllPassed() {
		t.Fatalf("score %v/%v, all passed %v; want 2/2", got, max, rep.AllPassed())
	}
}

func TestLyingTestScoresZero(t *testing.T) {
	t.Parallel()
	rep := grade(t, fixtureConfig(t, "lying"))
	for _, name := range []string{"TestLying", "TestForgedFrame"} {
		if o := outcome(t, rep, name); o.Passed {
			t.Errorf("%s printed PASS text but failed: it must score 0", name)
		}
	}
	if got, _ := rep.Score(); got != 0 {
		t.Fatalf("score %v, want 0", got)
	}
}

func TestExit0ScoresZero(t *testing.T) {
	t.Parallel()
	rep := grade(t, fixtureConfig(t, "exit0"))
	if o := outcome(t, rep, "TestExit0"); o.Passed {
		t.Fatalf("os.Exit(0) mid-test scored: %+v", o)
	}
}

func TestHangIsKilled(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	t.Setenv("FIXTURE_CHILD_PID_FILE", pidFile)
	rep := grade(t, fixtureConfig(t, "hang"))
	o := outcome(t, rep, "TestHang")
	if o.Passed || o.Status != "timeout" || !strings.HasPrefix(o.Reason, "timed out after 2s") {
		t.Fatalf("hanging test: passed=%v status=%q reason=%q, want a timeout", o.Passed, o.Status, o.Reason)
	}
	// A grader that waited for the hung process would never get here
	// (go test's own -timeout ends it); that it was killed is below.
	if data, err := os.ReadFile(pidFile); err == nil {
		pid, _ := strconv.Atoi(string(data))
		if alive(pid) {
			t.Errorf("the hung test's child process %d survived the kill", pid)
		}
	}
}

// alive reports whether pid is a live (not zombie) process.
// survivors lists the live processes whose command line or environment
// contains mark, after giving killed ones a moment to go.
func survivors(mark string) []int {
	var pids []int
	for range 50 {
		pids = pids[:0]
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			environ, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
			stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
			if f := strings.Fields(string(stat)); len(f) < 3 || f[2] == "Z" {
				continue // gone, or a zombie about to be reaped
			}
			if strings.Contains(string(cmdline), mark) || strings.Contains(string(environ), mark) {
				pids = append(pids, pid)
			}
		}
		if len(pids) == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond) // real processes outside any bubble
	}
	return pids
}

func alive(pid int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return false
		}
		if f := strings.Fields(string(stat)); len(f) > 2 && f[2] == "Z" {
			return false
		}
		time.Sleep(50 * time.Millisecond) // real process outside any bubble
	}
	return true
}

func TestSeedsAllMustPass(t *testing.T) {
	seeds := seedsFor("TestFailsForOneSeed", 3)
	if seeds[2] != 31368864 {
		t.Fatalf("seedsFor changed: set badSeed in testdata/fixture/seeded to %d", seeds[2])
	}

	cfg := fixtureConfig(t, "seeded")
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestFailsForOneSeed"); !o.Passed {
		t.Fatalf("SEEDS=1 (seed %d is good): want a pass, got %+v", seeds[0], o)
	}

	cfg = fixtureConfig(t, "seeded")
	cfg.Seeds = 3
	rep = grade(t, cfg)
	o := outcome(t, rep, "TestFailsForOneSeed")
	if o.Passed || o.Seed != seeds[2] {
		t.Fatalf("SEEDS=3 with seed %d bad: passed=%v failing seed %d", seeds[2], o.Passed, o.Seed)
	}
	if !strings.Contains(o.Output, "-seed "+strconv.FormatInt(seeds[2], 10)) {
		t.Errorf("output lacks the replay command: %q", o.Output)
	}

	// A rubric entry's seeds: 3 is a floor under SEEDS=1.
	cfg = fixtureConfig(t, "seededmin")
	rep = grade(t, cfg)
	if o := outcome(t, rep, "TestFailsForOneSeed"); o.Passed || o.Seed != seeds[2] {
		t.Fatalf("seeds: 3 in the rubric, SEEDS=1, seed %d bad: passed=%v failing seed %d", seeds[2], o.Passed, o.Seed)
	}
}

func TestSeedsAreDeterministic(t *testing.T) {
	a, b := seedsFor("TestX", 4), seedsFor("TestX", 4)
	for i := range a {
		if a[i] != b[i] || a[i] <= 0 {
			t.Fatalf("seeds %v vs %v", a, b)
		}
	}
	if seedsFor("TestY", 1)[0] == a[0] {
		t.Fatalf("different tests should get different seeds")
	}
}

func TestHiddenOverlay(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "good")
	cfg.Part = "B"
	if rep := grade(t, cfg); rep.AllPassed() {
		t.Fatalf("public TestReplaced must fail without the hidden overlay")
	}

	cfg = fixtureConfig(t, "good")
	cfg.Hidden, _ = filepath.Abs(filepath.Join("testdata", "hidden"))
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestReplaced"); !o.Passed {
		t.Errorf("hidden replace_test.go should replace the public one: %s", o.Output)
	}
	o := outcome(t, rep, "TestHiddenExtra")
	if !o.Passed || o.Entry.Visibility != "after_published" {
		t.Errorf("hidden extra test: passed=%v visibility=%q", o.Passed, o.Entry.Visibility)
	}
	if got, max := rep.Score(); got != 7 || max != 7 {
		t.Errorf("score %v/%v, want 7/7", got, max)
	}
	// The reference tree itself must be untouched.
	if _, err := os.Stat(filepath.Join(cfg.Root, "good", "hidden_test.go")); err == nil {
		t.Fatalf("HIDDEN modified the reference tree")
	}
}

func TestSubmissionUsesOurTests(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "good")
	cfg.Part = "A"
	cfg.Submission, _ = filepath.Abs(filepath.Join("testdata", "submission"))
	rep := grade(t, cfg)
	o := outcome(t, rep, "TestGood")
	if o.Passed {
		t.Fatalf("the submission's Answer is wrong; its weakened test must be replaced by ours")
	}
	if !strings.Contains(o.Output, "want 42") {
		t.Errorf("expected our test's failure message, got %q", o.Output)
	}
}

func TestMissingPackageSkippedWithNote(t *testing.T) {
	t.Parallel()
	rep := grade(t, fixtureConfig(t, "missing"))
	if len(rep.Outcomes) != 0 || len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], "does not exist") {
		t.Fatalf("outcomes %d notes %q", len(rep.Outcomes), rep.Notes)
	}
}

func TestBuildFailureScoresZero(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "good")
	cfg.Part = "A"
	// A broken copy of the good package, graded as a submission.
	sub := t.TempDir()
	if err := os.WriteFile(filepath.Join(sub, "go.mod"), []byte("module fixture\n\ngo 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(sub, "good"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "good", "good.go"), []byte("package good\n\nfunc Answer() int { return }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Submission = sub
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestGood"); o.Passed || o.Status != "build failed" {
		t.Fatalf("broken build: %+v", o)
	}
}

func TestResultsJSON(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "good")
	rep := grade(t, cfg)
	path := filepath.Join(t.TempDir(), "out", "results.json")
	if err := WriteResults(path, rep); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Score            *float64 `json:"score"`
		Output           *string  `json:"output"`
		StdoutVisibility *string  `json:"stdout_visibility"`
		Tests            []struct {
			Name          *string  `json:"name"`
			Number        *string  `json:"number"`
			Score         *float64 `json:"score"`
			MaxScore      *float64 `json:"max_score"`
			Output        *string  `json:"output"`
			Visibility    *string  `json:"visibility"`
			ExecutionTime *float64 `json:"execution_time"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if res.Score == nil || *res.Score != 2 || len(res.Tests) != 2 || res.Output == nil || res.StdoutVisibility == nil {
		t.Fatalf("results.json: %s", data)
	}
	if !strings.Contains(*res.Output, "good: 2/3") || !strings.Contains(*res.Output, "FAIL good TestReplaced: public version") {
		t.Errorf("top-level output lacks the lab score or the failure reason: %q", *res.Output)
	}
	numbers := map[string]bool{}
	for _, tc := range res.Tests {
		if tc.Name == nil || tc.Score == nil || tc.MaxScore == nil || tc.Output == nil || tc.Visibility == nil ||
			tc.Number == nil || tc.ExecutionTime == nil {
			t.Fatalf("test entry lacks a Gradescope field: %s", data)
		}
		if numbers[*tc.Number] {
			t.Errorf("number %q is not unique", *tc.Number)
		}
		numbers[*tc.Number] = true
		if strings.Contains(*tc.Output, "=== NAME") {
			t.Errorf("output keeps === NAME noise: %q", *tc.Output)
		}
		switch *tc.Visibility {
		case "visible", "hidden", "after_due_date", "after_published":
		default:
			t.Fatalf("bad visibility %q", *tc.Visibility)
		}
	}
	if !numbers["A.1"] || !numbers["B.1"] {
		t.Errorf("numbers %v, want A.1 and B.1", numbers)
	}
}

func TestRubricMergeAndValidate(t *testing.T) {
	r, err := LoadRubric(filepath.Join("testdata", "fixture", "rubric.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Labs[3].timeout != 2*time.Second || r.Labs[6].timeout != defaultTimeout {
		t.Fatalf("timeouts %v %v", r.Labs[3].timeout, r.Labs[6].timeout)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("labs:\n  - lab: x\n    package: ./x\n    timeout: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRubric(bad); err == nil {
		t.Fatal("bad timeout accepted")
	}
}

// TestRepoRubricParses guards the real rubric, which several engineers edit.
func TestRepoRubricParses(t *testing.T) {
	if _, err := LoadRubric(filepath.Join("..", "rubric.yaml")); err != nil {
		t.Fatal(err)
	}
}
