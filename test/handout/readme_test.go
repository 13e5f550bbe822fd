package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

// TestHandoutReadmeIsForStudents: the handout's top README keeps what a
// student needs (the quick starts, make grade, how to read a failure) and
// none of the staff material: the reference solution, the handout
// generator, the grader's insides and what it cannot stop, Gradescope,
// porting.
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
	data, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{"Your code here", "make grade LAB=raft PART=2A", "Reading a failure", "go test ./raft -run 2A"} {
		if !strings.Contains(text, want) {
			t.Errorf("the handout README lacks %q", want)
		}
	}
	for _, staff := range []string{"reference", "make handout", "could still forge", "Isolation.", "Running on Gradescope", "Porting existing student code", "<!--", "-->"} {
		if strings.Contains(text, staff) {
			t.Errorf("the handout README still has staff material: %q", staff)
		}
	}
}
