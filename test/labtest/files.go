package labtest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// WriteFiles creates files under dir, each a slash-separated path relative
// to dir mapped to its contents, with the directories they need: the
// inputs a test hands to the code under test (a docroot, a config, a job's
// input). dir itself is created even when files is empty. It fails the
// test at the first file it cannot write. (The tools' tests have the same
// in test/internal/testutil, which a lab cannot import; the tools' tests
// do not import the harness, whose flags and verdict pipe they must not
// carry.)
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(fmt.Errorf("creating the test's input directory: %w", err))
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(fmt.Errorf("writing test input %s: %w", name, err))
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(fmt.Errorf("writing test input %s: %w", name, err))
		}
	}
}

// TempFiles is WriteFiles into a new temporary directory of the test,
// which it returns.
func TempFiles(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	WriteFiles(t, dir, files)
	return dir
}
