//solution:file E

package puddlestore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// portable are the package-level names of the reference that the tests
// may use besides kit.go's: the course's API, and what the port adapter
// defines in kit.go in place of ours (the suite's errors, the collector's
// timing).
var portable = map[string]bool{
	"Config": true, "Client": true, "Cluster": true, "CreateCluster": true,
	"ErrNotFound": true, "ErrExists": true, "ErrIsDir": true, "ErrNotDir": true, "ErrNotEmpty": true,
	"ErrBadFD": true, "ErrReadOnly": true, "ErrInvalidPath": true, "ErrExited": true,
	"GCGrace": true, "GCInterval": true,
}

// TestTestsUseTheKit keeps the graded tests fair to ported code. Outside
// kit.go, no test file names a package-level name of the reference that
// course code lacks (config_test.go once called fsPath, and no port
// compiled, which scores it 0 for the lab), and none sorts an error
// itself (errors.Is or errors.As, or == and != or a case with one of the
// Err names): course code spells its errors otherwise, and only the kit's
// isErr, which its port adapter implements on the course's spellings, can
// place them. TestNamespaceLinearizableF once sorted with errors.Is over a
// table of our errors, and failed every port on its first refused
// operation.
func TestTestsUseTheKit(t *testing.T) {
	fset := token.NewFileSet()
	reference := map[string]bool{}
	for _, f := range parseFiles(t, fset, "*.go", func(name string) bool {
		return !strings.HasSuffix(name, "_test.go") && name != "kit.go"
	}) {
		for n := range f.Scope.Objects {
			reference[n] = !portable[n]
		}
	}
	graded := func(name string) bool { return !strings.HasPrefix(name, "ref_") }
	for _, f := range parseFiles(t, fset, "*_test.go", graded) {
		// A selector's name, a method's, a field's and a composite
		// literal's keys are not the package's names; the parser resolves
		// a file's own names (Obj).
		notPackage := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				notPackage[n.Sel] = true
			case *ast.FuncDecl:
				notPackage[n.Name] = n.Recv != nil
			case *ast.Field:
				for _, id := range n.Names {
					notPackage[id] = true
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					notPackage[id] = true
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if n.Obj == nil && !notPackage[n] && reference[n.Name] {
					t.Errorf("%v: uses %s, which course code lacks: go through kit.go (and its port adapter)", fset.Position(n.Pos()), n.Name)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "errors") && (sel.Sel.Name == "Is" || sel.Sel.Name == "As") {
					t.Errorf("%v: sorts an error with errors.%s: use the kit's isErr", fset.Position(n.Pos()), sel.Sel.Name)
				}
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (errName(n.X) || errName(n.Y)) {
					t.Errorf("%v: compares an error with %s: use the kit's isErr", fset.Position(n.Pos()), n.Op)
				}
			case *ast.CaseClause:
				for _, c := range n.List {
					if errName(c) {
						t.Errorf("%v: a case of %s: use the kit's isErr", fset.Position(c.Pos()), c.(*ast.Ident).Name)
					}
				}
			}
			return true
		})
	}
}

// parseFiles parses the files of the package's directory that match
// pattern and that keep keeps.
func parseFiles(t *testing.T, fset *token.FileSet, pattern string, keep func(name string) bool) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if !keep(name) {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// isIdent reports whether e is the identifier name.
func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// errName reports whether e names one of the package's errors (ErrX).
func errName(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && strings.HasPrefix(id.Name, "Err") && len(id.Name) > 3
}
