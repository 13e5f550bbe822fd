package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/internal/testutil"
	"distlabs/test/internal/tree"
)

// typical6824 turns our reference Raft into the usual shape of a correct
// 6.824 submission (the regression fixture of issue 18): Kill marks the
// peer dead and closes its stop channel, but neither wakes the applier
// parked on its sync.Cond nor waits for it. Such code passes the original
// course suite, which never stops the goroutines Raft created.
var typical6824 = []struct{ file, old, new string }{
	{"raft/raft.go", "\trf.applyCond.Broadcast()\n", "\t// 6.824-typical: the applier stays parked on applyCond after Kill.\n"},
	{"raft/raft.go", "\trf.wg.Wait()\n", "\t// 6.824-typical: Kill does not wait for its goroutines.\n"},
}

// A correct Raft whose helper goroutines stay parked after Kill scores what
// the reference scores, minus only TestKillStopsGoroutines2A, the one test
// that grades the Kill rule; the other tests pass with the leak warning in
// their output (DISTLABS_LEAKS=warn, the grader's default). The whole raft
// lab is graded: in virtual time it takes seconds.
func TestTypical6824RaftLosesOnlyTheKillTest(t *testing.T) {
	testutil.SkipShort(t, "grades the raft lab twice")
	root := testutil.ModuleRoot(t)
	sub := filepath.Join(t.TempDir(), "submission")
	if err := tree.Copy(root, sub, nil); err != nil {
		t.Fatal(err)
	}
	for _, e := range typical6824 {
		path := filepath.Join(sub, e.file)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(string(src), e.old) != 1 {
			t.Fatalf("fixture out of date: %s no longer contains %q exactly once", e.file, e.old)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(string(src), e.old, e.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("DISTLABS_LEAKS", "") // the grader's default: warn
	base := Config{Root: root, Rubric: filepath.Join(root, "test", "rubric.yaml"), Lab: "raft", Seeds: 1, Jobs: 2}

	refCfg := base
	refCfg.OutDir = t.TempDir()
	ref := grade(t, refCfg)
	subCfg := base
	subCfg.OutDir, subCfg.Submission = t.TempDir(), sub
	got := grade(t, subCfg)

	const killTest = "TestKillStopsGoroutines2A"
	warned := 0
	for _, r := range ref.Outcomes {
		if !r.Passed {
			t.Errorf("reference: %s: %s\n%s", r.Entry.Name, r.Status, tail(r.Output, 2000))
			continue
		}
		o := outcome(t, got, r.Entry.Name)
		switch {
		case r.Entry.Name == killTest && o.Passed:
			t.Errorf("%s passed on a Raft whose applier outlives Kill", killTest)
		case r.Entry.Name != killTest && !o.Passed:
			t.Errorf("%s: %s on the 6.824-typical Raft (the reference passes it):\n%s", r.Entry.Name, o.Status, tail(o.Output, 3000))
		case strings.Contains(o.Output, "labtest: WARNING: "+r.Entry.Name) && strings.Contains(o.Output, "labtest: fix: "):
			warned++
		}
	}
	gotScore, _ := got.Score()
	refScore, _ := ref.Score()
	kill := outcome(t, ref, killTest).Entry.Points
	if gotScore != refScore-kill {
		t.Errorf("score %v, want the reference's %v minus %v for %s", gotScore, refScore, kill, killTest)
	}
	if warned == 0 {
		t.Errorf("no passing test's output carries the leak warning with its fix hint")
	}
	t.Logf("reference %v, 6.824-typical %v; %d passing tests show the leak warning", refScore, gotScore, warned)
}
