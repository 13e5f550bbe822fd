package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

// staffPhrases are what a handout README must not say: they describe the
// reference solution, how the handout is made from it, files the handout
// does not have, or the grader's insides. A student reads them as "the
// answer exists somewhere" or looks for files that are not there (issue
// 26). Matched case-insensitively.
var staffPhrases = []string{
	"reference", // "a complete reference", "reference solution", "reference-only", "how the reference keeps the rules"
	"a complete ",
	"solution file", "solution package", "solution region", "solution marker", "solution:",
	"make handout", "in the handout", "ref_",
	"could still forge", "isolation.", "running on gradescope", "porting existing student code",
	"contributing.md", // course staff's rules for the repository, not in the handout
	"<!--", "-->",
}

// TestHandoutReadmeIsForStudents: the handout's READMEs are written for
// students. The top README keeps what a student needs (the quick starts,
// make grade, how to read a failure); every lab README says what to
// build, how to run its tests and how to replay a failure; and none of
// them keeps staff material (staffPhrases).
func TestHandoutReadmeIsForStudents(t *testing.T) {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "handout")
	st, err := solution.Generate(root, out, solution.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.StaffSections == 0 {
		t.Fatalf("no staff section was dropped from the Markdown files")
	}
	if _, err := os.Stat(filepath.Join(out, "CONTRIBUTING.md")); err == nil {
		t.Errorf("the handout has CONTRIBUTING.md, the staff's rules for writing the reference")
	}
	top := readText(t, filepath.Join(out, "README.md"))
	for _, want := range []string{"Your code here", "make grade LAB=raft PART=2A", "Reading a failure", "go test ./raft -run 2A"} {
		if !strings.Contains(top, want) {
			t.Errorf("the handout README lacks %q", want)
		}
	}
	var readmes []string
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir // data with its own notes (the corpus's sources), not a lab
		}
		if !d.IsDir() && d.Name() == "README.md" {
			readmes = append(readmes, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(readmes) < 2 {
		t.Fatalf("found %d README(s) in the handout, want the top one and the labs'", len(readmes))
	}
	for _, p := range readmes {
		rel, err := filepath.Rel(out, p)
		if err != nil {
			t.Fatal(err)
		}
		text := readText(t, p)
		lower := strings.ToLower(text)
		for _, staff := range staffPhrases {
			if i := strings.Index(lower, staff); i >= 0 {
				t.Errorf("%s:%d still has staff material: %q", rel, 1+strings.Count(text[:i], "\n"), staff)
			}
		}
		if rel == "README.md" {
			continue
		}
		// A lab README: what to build, its own tests, the replay line.
		pkg := filepath.ToSlash(filepath.Dir(rel))
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^## What you build`),
			regexp.MustCompile(`go test \./` + regexp.QuoteMeta(pkg) + `(\s|/\.\.\.)`),
			regexp.MustCompile(`go test \./` + regexp.QuoteMeta(pkg) + ` -run '\^Test\w+\$' -seed \d+`),
		} {
			if !want.MatchString(text) {
				t.Errorf("%s lacks %s", rel, want)
			}
		}
	}
}

// readText returns the file at p as a string.
func readText(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
