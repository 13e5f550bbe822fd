package tree

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestCopySkipsGitAndFiltered(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	for _, f := range []string{"go.mod", "a/b.go", ".git/HEAD", "skip/me.go", "a/x.test"} {
		p := filepath.Join(src, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	skip := func(rel string, d fs.DirEntry) bool { return rel == "skip" || filepath.Ext(rel) == ".test" }
	if err := Copy(src, dst, skip); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]bool{"go.mod": true, "a/b.go": true, ".git/HEAD": false, "skip/me.go": false, "a/x.test": false} {
		_, err := os.Stat(filepath.Join(dst, f))
		if (err == nil) != want {
			t.Errorf("%s copied = %v, want %v", f, err == nil, want)
		}
	}
	root, err := ModuleRoot(filepath.Join(dst, "a"))
	if err != nil || root != dst {
		t.Fatalf("ModuleRoot = %q, %v; want %q", root, err, dst)
	}
}
