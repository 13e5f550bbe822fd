package shape

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the module root, two levels up from this package.
const root = "../.."

// labDirs returns the package directories of the labs in the rubric.
func labDirs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "test", "rubric.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range regexp.MustCompile(`(?m)^\s*package:\s*\./(\S+)\s*$`).FindAllStringSubmatch(string(data), -1) {
		if !slices.Contains(dirs, m[1]) {
			dirs = append(dirs, m[1])
		}
	}
	if len(dirs) < 10 {
		t.Fatalf("found %d lab packages in test/rubric.yaml; the pattern is stale", len(dirs))
	}
	return dirs
}

// replicatedTest is the name of a test file a replicated lab (one with a
// config_test.go) may have.
var replicatedTest = regexp.MustCompile(`^(config(_[a-z0-9]+)?|suite(_[a-z0-9]+)?|rules(_[a-z0-9]+)?|wire|nemesis|api|ref_[a-z0-9_]+|fuzz|bench|example)_test\.go$`)

// historyName is a test file named by how it came to be rather than by
// what it tests.
var historyName = regexp.MustCompile(`^(regress|harden|hostile|scenario|test)(_.*)?_test\.go$|^[a-z0-9]+_test_test\.go$`)

// TestLabShape checks the rules of CONTRIBUTING.md, "Lab shape", on every
// lab package.
func TestLabShape(t *testing.T) {
	for _, dir := range labDirs(t) {
		path := filepath.Join(root, dir)
		entries, err := os.ReadDir(path)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
				names = append(names, e.Name())
			}
		}
		replicated := slices.Contains(names, "config_test.go")
		if !slices.Contains(names, "doc.go") {
			t.Errorf("%s: no doc.go (the package doc lives there)", dir)
		}
		for _, name := range names {
			file := filepath.Join(path, name)
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			test := strings.HasSuffix(name, "_test.go")
			if !test && name != "doc.go" && hasPackageDoc(t, file) {
				t.Errorf("%s/%s: package doc outside doc.go", dir, name)
			}
			if !test {
				continue
			}
			refOnly := strings.HasPrefix(string(src), "//solution:file")
			ref := strings.HasPrefix(name, "ref_")
			switch {
			case refOnly && !ref:
				t.Errorf("%s/%s: a reference-only test file (//solution:file) must be named ref_*_test.go", dir, name)
			case ref && !refOnly:
				t.Errorf("%s/%s: a ref_ file must be reference-only (first line //solution:file)", dir, name)
			case historyName.MatchString(name):
				t.Errorf("%s/%s: named by history, not by concern; fold it into the file of its kind", dir, name)
			case replicated && !replicatedTest.MatchString(name):
				t.Errorf("%s/%s: not a test file kind of a replicated lab (config, suite, rules, wire, nemesis, api, ref_*, fuzz, bench, example)", dir, name)
			}
			if name == "wire_test.go" && !strings.HasPrefix(string(src), "//go:build !distlabs_ported") {
				t.Errorf("%s/%s: wire tests must carry //go:build !distlabs_ported", dir, name)
			}
		}
	}
}

// hasPackageDoc reports whether a Go file has a package doc comment.
func hasPackageDoc(t *testing.T, file string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return f.Doc != nil && strings.HasPrefix(strings.TrimSpace(f.Doc.Text()), "Package ")
}
