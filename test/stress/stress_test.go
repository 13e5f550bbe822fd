package main

import (
	"bytes"
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"distlabs/test/internal/testutil"
)

// TestFindsRareFailure stresses a fixture that fails for seeds 7, 57, 107
// and 157 among 1..200 and expects exactly those, with logs and replays.
func TestFindsRareFailure(t *testing.T) {
	root := testutil.Abs(t, "testdata", "flaky")
	var progress bytes.Buffer
	out := t.TempDir()
	sum, err := Stress(context.Background(), Config{
		Root: root, Pkg: ".", Run: "Rare|Other", N: 200, Start: 1, Jobs: 2,
		Timeout: time.Minute, OutDir: out, Progress: &progress, Every: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	var seeds []int64
	for _, f := range sum.Failures {
		seeds = append(seeds, f.Seed)
		if want := "go test . -run '^TestRare$' -seed "; !strings.HasPrefix(f.Replay, want) {
			t.Errorf("replay %q, want prefix %q", f.Replay, want)
		}
		log, err := os.ReadFile(f.LogPath)
		if err != nil || !strings.Contains(string(log), "rare failure") {
			t.Errorf("log %s: %v %q", f.LogPath, err, log)
		}
	}
	if !slices.Equal(seeds, []int64{7, 57, 107, 157}) || sum.Runs != 200 {
		t.Fatalf("failing seeds %v in %d runs, want [7 57 107 157] in 200", seeds, sum.Runs)
	}
	if !strings.Contains(progress.String(), "200/200 done, 4 failed") {
		t.Errorf("final progress line missing:\n%s", progress.String())
	}
	var report bytes.Buffer
	sum.Print(&report, out)
	if !strings.Contains(report.String(), "seed 57 TestRare:") || !strings.Contains(report.String(), "replay: go test . -run '^TestRare$' -seed 57") {
		t.Errorf("report:\n%s", report.String())
	}
}

func TestCompileErrorReported(t *testing.T) {
	root := testutil.Abs(t, "testdata", "flaky")
	_, err := Stress(context.Background(), Config{Root: root, Pkg: "./nonexistent", Run: ".", N: 1, Jobs: 1, OutDir: t.TempDir(), Progress: &bytes.Buffer{}, Every: time.Second})
	if err == nil {
		t.Fatal("stressing a missing package succeeded")
	}
}

func TestNormPkg(t *testing.T) {
	for in, want := range map[string]string{"raft": "./raft", "./raft": "./raft", "raft/kvraft": "./raft/kvraft", ".": "."} {
		if got := normPkg(in); got != want {
			t.Errorf("normPkg(%q) = %q, want %q", in, got, want)
		}
	}
}
