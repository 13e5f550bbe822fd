package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/testutil"
	"distlabs/test/internal/tree"
)

// TestHandoutSubmissions grades what students actually hand in: trees
// made from a fresh handout (what `go run ./test/handout` makes).
//
//  1. The handout itself, stubs and all, as a submission: every lab must
//     build with the graded tests overlaid, without the ported fallback,
//     and contain every graded test. This is what proves the overlaid tests
//     need only what a student receives: the stubs lack the reference's
//     internals, so a graded test (or an overlaid reference-only file)
//     that uses them does not compile here.
//  2. The handout with its stubbed Go files replaced by the reference's
//     (a student who wrote exactly our solution, in files of our names):
//     it must score full marks, lab by lab, through the whole grading path
//     (overlay, protected files, module check, verdict channel, limits).
//  3. That tree with a raft that forges one 2A test's pass: 2A scores
//     exactly the honest tests' points (the real harness's verdict).
//
// Step 2 runs every graded test; set HANDOUT_PARTS=2A,3A,... to run only
// some parts (labs without parts always run in full).
func TestHandoutSubmissions(t *testing.T) {
	testutil.SkipShort(t, "builds a handout and grades it; skipped with -short")
	root := testutil.ModuleRoot(t)
	rubricPath := filepath.Join(root, "test", "rubric.yaml")
	rubric, err := LoadRubric(rubricPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// What `go run ./test/handout -verify=false` makes, generated in this
	// process (no build of the tool): the steps below compile what they
	// grade, which is the check that matters here.
	handout := filepath.Join(t.TempDir(), "handout")
	if _, err := solution.Generate(root, handout, solution.Options{}); err != nil {
		t.Fatalf("generating the handout: %v", err)
	}
	if left, err := solution.FindMarkers(handout); err != nil || len(left) > 0 {
		t.Fatalf("marker lines left in the handout: %v %v", left, err)
	}

	t.Run("stubs build", func(t *testing.T) {
		cfg := Config{Root: root, Rubric: rubricPath, Submission: handout, Seeds: 1, Jobs: 2, OutDir: t.TempDir()}
		p, err := prepareTree(cfg, rubric, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var labs []*Lab
		for i := range rubric.Labs {
			if len(rubric.Labs[i].Tests) > 0 && exists(filepath.Join(root, rubric.Labs[i].Package)) {
				labs = append(labs, &rubric.Labs[i])
			}
		}
		// As Grade does: the harness-first files go in before the build.
		ins, err := inspectTree(ctx, cfg, rubric, p.dir, labs, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for lab, err := range ins.refused {
			t.Errorf("%s: the handout is refused: %v", lab.Lab, err)
		}
		for lab, b := range compileAll(ctx, cfg, p.dir, labs, false, io.Discard) {
			switch {
			case b.err != nil:
				t.Errorf("%s: the graded tests do not compile against the handout: %v", lab.Lab, b.err)
			case b.ported != nil:
				t.Errorf("%s: builds only with -tags %s against the unchanged handout: %v", lab.Lab, portedTag, b.ported)
			default:
				for _, e := range lab.Tests {
					if !b.tests[e.Name] {
						t.Errorf("%s: graded test %s is not in the handout's test binary", lab.Lab, e.Name)
					}
				}
			}
		}
	})

	filled := filepath.Join(t.TempDir(), "filled")
	if err := tree.Copy(handout, filled, nil); err != nil {
		t.Fatal(err)
	}
	n := fillStubs(t, root, handout, filled)
	t.Logf("filled %d stubbed package(s) with the reference code", n)
	parts := map[string]bool{}
	for _, p := range strings.Split(os.Getenv("HANDOUT_PARTS"), ",") {
		if p != "" {
			parts[strings.ToUpper(p)] = true
		}
	}
	t.Run("spoofed raft", func(t *testing.T) { testSpoofedRaft(t, root, rubricPath, filled) })
	for i := range rubric.Labs {
		lab := &rubric.Labs[i]
		if len(lab.Tests) == 0 || !exists(filepath.Join(root, lab.Package)) {
			continue
		}
		t.Run("reference "+lab.Lab, func(t *testing.T) {
			cfg := Config{Root: root, Rubric: rubricPath, Submission: filled, Lab: lab.Lab, Seeds: 1, Jobs: 2,
				OutDir: t.TempDir(), MemLimit: defaultMemLimit}
			var rep *Report
			if len(parts) == 0 {
				rep = grade(t, cfg)
			} else {
				rep = &Report{}
				for _, part := range labParts(lab) {
					if part != "" && !parts[strings.ToUpper(part)] {
						continue
					}
					cfg.Part, cfg.OutDir = part, t.TempDir()
					r := grade(t, cfg)
					rep.Outcomes = append(rep.Outcomes, r.Outcomes...)
					rep.Flags = append(rep.Flags, r.Flags...)
				}
			}
			got, max := rep.Score()
			if got != max || max == 0 {
				for _, o := range rep.Outcomes {
					if !o.Passed {
						t.Errorf("%s: %s: %s", o.Entry.Name, o.Status, o.Reason)
					}
				}
				t.Fatalf("reference over the handout scored %v/%v", got, max)
			}
			for _, f := range rep.Flags {
				if strings.Contains(f, "differed from the course's") {
					t.Errorf("the handout changed a protected file: %s", f)
				}
			}
		})
	}
}

// spoofRaft is a dishonest addition to a raft submission: when Make is
// called in TestReElection2A, it prints the testing package's pass framing
// (marker byte included) and leaves with syscall.Exit(0), before the test
// could fail. The version of it scored 24/24 on 2A.
const spoofRaft = `package raft

import (
	"fmt"
	"os"
	"strings"
	"syscall"
)

func spoof() {
	for _, a := range os.Args {
		if strings.Contains(a, "TestReElection2A") {
			fmt.Print("\x16--- PASS: TestReElection2A (0.00s)\n\x16PASS\n")
			syscall.Exit(0)
		}
	}
}
`

// testSpoofedRaft grades a copy of the filled handout whose raft spoofs
// one 2A test: 2A must score exactly the other tests' points, the spoofed
// test must fail for want of a verdict, and the TA must be told.
func testSpoofedRaft(t *testing.T, root, rubricPath, filled string) {
	sub := filepath.Join(t.TempDir(), "spoofed")
	if err := tree.Copy(filled, sub, nil); err != nil {
		t.Fatal(err)
	}
	raftGo := filepath.Join(sub, "raft", "raft.go")
	src, err := os.ReadFile(raftGo)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(src, []byte("\nfunc Make("))
	j := bytes.Index(src[max(i, 0):], []byte("{\n"))
	if i < 0 || j < 0 {
		t.Fatal("no func Make in raft/raft.go")
	}
	at := i + j + 2
	src = append(src[:at:at], append([]byte("\tspoof()\n"), src[at:]...)...)
	if err := os.WriteFile(raftGo, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "raft", "spoof.go"), []byte(spoofRaft), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Root: root, Rubric: rubricPath, Submission: sub, Lab: "raft", Part: "2A", Seeds: 1, Jobs: 2,
		OutDir: t.TempDir(), MemLimit: defaultMemLimit}
	rep := grade(t, cfg)
	got, max := rep.Score()
	o := outcome(t, rep, "TestReElection2A")
	if o.Passed || got != max-o.Entry.Points {
		t.Errorf("spoofed raft scored %v/%v (TestReElection2A passed=%v: %s), want %v", got, max, o.Passed, o.Reason, max-o.Entry.Points)
	}
	if !strings.Contains(o.Reason, "no verdict") {
		t.Errorf("reason %q does not say the harness gave no verdict", o.Reason)
	}
	if flags := strings.Join(rep.Flags, "\n"); !strings.Contains(flags, "raft/spoof.go") || !strings.Contains(flags, "imports syscall") {
		t.Errorf("TA flags miss the spoof: %q", flags)
	}
}

// labParts lists a lab's parts in rubric order.
func labParts(lab *Lab) []string {
	var parts []string
	for _, e := range lab.Tests {
		if len(parts) == 0 || parts[len(parts)-1] != e.Part {
			parts = append(parts, e.Part)
		}
	}
	return parts
}

// fillStubs replaces, in every directory whose Go source the handout
// changed, the non-test Go files by the reference's (solution-only files
// included), and returns the number of such directories.
func fillStubs(t *testing.T, root, handout, filled string) int {
	t.Helper()
	dirs := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		ours, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		theirs, err := os.ReadFile(filepath.Join(handout, rel))
		if err != nil || !bytes.Equal(ours, theirs) {
			dirs[filepath.Dir(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir := range dirs {
		if err := removeGoSource(filepath.Join(filled, dir)); err != nil {
			t.Fatal(err)
		}
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				continue
			}
			if err := tree.File(filepath.Join(root, dir, name), filepath.Join(filled, dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return len(dirs)
}
