package mutants

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/internal/testutil"
)

// TestPatchesApply: every LAB/*.patch applies to the reference without
// fuzz (git apply --check allows offsets but no fuzz, unlike run.sh's
// patch), and its first line says which bug it is, as run.sh's report
// expects.
func TestPatchesApply(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	patches, err := filepath.Glob("*/*.patch")
	if err != nil {
		t.Fatal(err)
	}
	if len(patches) == 0 {
		t.Fatal("no patches found")
	}
	for _, p := range patches {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		if first := firstLine(t, abs); !strings.HasPrefix(first, "Mutant: ") {
			t.Errorf("%s: first line %q, want \"Mutant: <the bug>\"", p, first)
		}
		if out, err := testutil.Git(t, root, "apply", "--check", "--whitespace=nowarn", abs); err != nil {
			t.Errorf("%s no longer applies to the reference (regenerate it against the current code): %v\n%s", p, err, out)
		}
	}
}

func firstLine(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	return line
}
