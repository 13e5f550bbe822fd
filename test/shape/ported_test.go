package shape

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// kitOnly lists, per lab package, names our handout adds to the course
// API of 2015: code written for the 2015 skeleton and ported with
// transport changes only does not declare them, so a test file that uses
// one must carry //go:build !distlabs_ported, or the ported package's
// tests do not compile and the grader scores it 0.
var kitOnly = map[string][]string{
	"viewservice":   {"ErrNoServer"},
	"paxos":         {"SetSeed", "retained"},
	"paxos/kvpaxos": {"ErrBadOp"},
}

// TestPortedTestsUseCourseAPI checks that only test files left out of the
// ported build (-tags distlabs_ported) use the names of kitOnly.
func TestPortedTestsUseCourseAPI(t *testing.T) {
	for dir, names := range kitOnly {
		portedTestFiles(t, dir, func(file string, _ *token.FileSet, f *ast.File) {
			ast.Inspect(f, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && slices.Contains(names, id.Name) {
					t.Errorf("%s/%s uses %s, which 2015 code ported into the kit does not declare: move the test to a file whose first line is //go:build !distlabs_ported", dir, filepath.Base(file), id.Name)
					return false
				}
				return true
			})
		})
	}
}

// portedTestFiles calls fn with each test file of dir that a ported
// build compiles: not those left out with -tags distlabs_ported, nor
// reference-only ones.
func portedTestFiles(t *testing.T, dir string, fn func(file string, fset *token.FileSet, f *ast.File)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no test files (%v)", dir, err)
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(string(src), "//go:build !distlabs_ported") || strings.HasPrefix(string(src), "//solution:file") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		fn(file, fset, f)
	}
}

// TestPortedTestsAvoidMinMax: code of the 2015 course (Go 1.4) often
// declares its own min or max (one shardmaster had
// `func min(freq map[int64]int) int64`), which shadows the builtins in
// the whole package, so an in-package test file of a 2015 lab that calls
// the builtin does not compile against it and the lab scores 0.
func TestPortedTestsAvoidMinMax(t *testing.T) {
	for _, dir := range []string{"viewservice", "pbkv", "paxos", "paxos/kvpaxos", "paxos/shardmaster", "paxos/shardkv"} {
		portedTestFiles(t, dir, func(_ string, fset *token.FileSet, f *ast.File) {
			if strings.HasSuffix(f.Name.Name, "_test") {
				return // an external test package sees no student declaration
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok && (id.Name == "min" || id.Name == "max") && id.Obj == nil {
						t.Errorf("%s: calls the builtin %s, which a 2015 solution's own %s shadows: write the comparison out", fset.Position(id.Pos()), id.Name, id.Name)
					}
				}
				return true
			})
		})
	}
}
