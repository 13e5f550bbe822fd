package solution

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/internal/testutil"
)

// partsTree writes a small module to a temp dir: lab "vs" (part A), lab
// "kv" (part B) that imports vs, an unrelated lab "px" that also uses part
// A, a numbered lab "rf" (2A), and lab "zc" (part A) built on rf. Marker lines are built with begin() so
// this file itself carries none.
func partsTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	region := func(part, ret string) string {
		return "\t" + markerPrefix + "begin " + part + "\n\treturn " + ret + "\n\t" + markerPrefix + "stub\n\t// return \"\"\n\t" + markerPrefix + "end\n"
	}
	files := map[string]string{
		"go.mod":   "module m\n\ngo 1.22\n",
		"vs/vs.go": "package vs\n\nfunc F() string {\n" + region("A", `"vs-ref"`) + "}\n",
		"kv/kv.go": "package kv\n\nimport \"m/vs\"\n\nvar _ = vs.F\n\nfunc F() string {\n" + region("B", `"kv-ref"`) + "}\n",
		"px/px.go": "package px\n\nfunc F() string {\n" + region("A", `"px-ref"`) + "}\n",
		"rf/rf.go": "package rf\n\nfunc F() string {\n" + region("2A", `"rf-ref"`) + "}\n",
		"zc/zc.go": "package zc\n\nimport \"m/rf\"\n\nvar _ = rf.F\n\nfunc F() string {\n" + region("A", `"zc-ref"`) + "}\n",
	}
	testutil.WriteFiles(t, root, files)
	return root
}

// TestUpToLetteredPartsAreScoped checks that lettered parts, which several
// lab families share (viewservice/pbkv and paxos/kvpaxos both use A and B),
// keep reference code only in the named lab and what it imports, and that
// numbered and lettered parts keep each other's regions only where a
// lettered lab imports a numbered one (zc:A keeps rf whole). A handout
// for one lab must not give away another lab's solution.
func TestUpToLetteredPartsAreScoped(t *testing.T) {
	src := partsTree(t)
	for _, c := range []struct {
		upto       string
		kept, gone []string
		err        string
	}{
		{upto: "kv:B", kept: []string{"vs-ref", "kv-ref"}, gone: []string{"px-ref", "rf-ref"}},
		{upto: "zc:A", kept: []string{"zc-ref", "rf-ref"}, gone: []string{"vs-ref", "kv-ref", "px-ref"}},
		{upto: "vs:A", kept: []string{"vs-ref"}, gone: []string{"kv-ref", "px-ref", "rf-ref"}},
		{upto: "px:A", kept: []string{"px-ref"}, gone: []string{"vs-ref", "kv-ref", "rf-ref"}},
		{upto: "2A", kept: []string{"rf-ref"}, gone: []string{"vs-ref", "kv-ref", "px-ref", "zc-ref"}},
		{upto: "B", err: "lettered parts are per lab"},
		{upto: "nope:B", err: "no Go package"},
	} {
		out := filepath.Join(t.TempDir(), "h")
		_, err := Generate(src, out, Options{UpTo: c.upto})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("UpTo=%q: err %v, want one containing %q", c.upto, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("UpTo=%q: %v", c.upto, err)
		}
		var all strings.Builder
		for _, f := range []string{"vs/vs.go", "kv/kv.go", "px/px.go", "rf/rf.go", "zc/zc.go"} {
			data, err := os.ReadFile(filepath.Join(out, f))
			if err != nil {
				t.Fatal(err)
			}
			all.Write(data)
		}
		for _, k := range c.kept {
			if !strings.Contains(all.String(), k) {
				t.Errorf("UpTo=%q: reference %q not kept", c.upto, k)
			}
		}
		for _, g := range c.gone {
			if strings.Contains(all.String(), g) {
				t.Errorf("UpTo=%q: reference %q handed out", c.upto, g)
			}
		}
	}
}

// TestExcludeFileDropsPaths: the paths ExcludeFile lists (a directory and a
// file) and ExcludeFile itself do not ship; a line that leaves the tree, is
// not a plain path, or matches nothing is an error, not ignored.
func TestExcludeFileDropsPaths(t *testing.T) {
	src := partsTree(t)
	for name, text := range map[string]string{
		"notes/ref.patch": "reference code\n",
		"vs/answers.txt":  "reference answers\n",
		"vs/keep.txt":     "handout text\n",
		ExcludeFile:       "# reference only\nnotes/\nvs/answers.txt  # trailing comment\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "h")
	st, err := Generate(src, out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"notes/ref.patch", "vs/answers.txt", ExcludeFile} {
		if _, err := os.Stat(filepath.Join(out, gone)); err == nil {
			t.Errorf("%s shipped", gone)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "vs/keep.txt")); err != nil {
		t.Errorf("vs/keep.txt did not ship: %v", err)
	}
	if len(st.Excluded) != 3 {
		t.Errorf("Excluded = %v, want the three excluded files", st.Excluded)
	}

	for _, c := range []struct{ line, err string }{
		{"../outside", "not a path inside the tree"},
		{`notes\ref.patch`, "plain slash-separated path"},
		{"*.patch", "plain slash-separated path"},
		{"notes/typo.patch", "matches no file"},
	} {
		if err := os.WriteFile(filepath.Join(src, ExcludeFile), []byte(c.line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Generate(src, filepath.Join(t.TempDir(), "h"), Options{}); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("exclude line %q: err = %v, want %q", c.line, err, c.err)
		}
	}
}
