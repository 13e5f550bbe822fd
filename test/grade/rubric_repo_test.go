package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/internal/testutil"
)

// TestRepoRubricTests checks every graded test of the real rubric
// statically: it is defined in a test file a student receives (not a
// //solution:file one, which the grader does not overlay), and its body
// goes through labtest.Run or labtest.RunRealtime, directly or through
// helpers of its package (up to four deep: a lab's run frame and the
// helpers it calls), so the harness reports its verdict (without one the
// grader scores the test 0 whatever it did).
func TestRepoRubricTests(t *testing.T) {
	root := testutil.ModuleRoot(t)
	r, err := LoadRubric(filepath.Join(root, "test", "rubric.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lab := range r.Labs {
		dir := filepath.Join(root, lab.Package)
		if _, err := os.Stat(dir); err != nil {
			continue // lab not written yet
		}
		funcs, refOnly := testFuncs(t, dir)
		for _, e := range lab.Tests {
			if refOnly[e.Name] {
				t.Errorf("%s: %s is defined in a //solution:file test: the grader never overlays it", lab.Lab, e.Name)
				continue
			}
			fd, ok := funcs[e.Name]
			if !ok {
				t.Errorf("%s: graded test %s is not defined in %s", lab.Lab, e.Name, lab.Package)
				continue
			}
			if !callsHarness(fd, funcs, 4) {
				t.Errorf("%s: %s does not run through labtest.Run/RunRealtime", lab.Lab, e.Name)
			}
		}
	}
}

// testFuncs parses the package's test files: functions by name, and the
// names defined in reference-only files.
func testFuncs(t *testing.T, dir string) (map[string]*ast.FuncDecl, map[string]bool) {
	t.Helper()
	funcs, refOnly := map[string]*ast.FuncDecl{}, map[string]bool{}
	paths, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, p := range paths {
		ref, err := referenceOnly(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil {
				continue
			}
			if ref {
				refOnly[fd.Name.Name] = true
				continue
			}
			funcs[fd.Name.Name] = fd
		}
	}
	return funcs, refOnly
}

// callsHarness reports whether fd's body calls labtest.Run or RunRealtime,
// or (depth > 0) calls a package function that does.
func callsHarness(fd *ast.FuncDecl, funcs map[string]*ast.FuncDecl, depth int) bool {
	found := false
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || found {
			return !found
		}
		switch fn := call.Fun.(type) {
		case *ast.SelectorExpr:
			if id, ok := fn.X.(*ast.Ident); ok && id.Name == "labtest" && strings.HasPrefix(fn.Sel.Name, "Run") {
				found = true
			}
		case *ast.Ident:
			if helper, ok := funcs[fn.Name]; ok && depth > 0 && helper != fd {
				found = callsHarness(helper, funcs, depth-1)
			}
		}
		return !found
	})
	return found
}
