package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

// yourCode is the line a stub leaves where a student works (CONTRIBUTING,
// "Solution markers"): "// Your code here (2A).", "// Your fields here".
var yourCode = regexp.MustCompile(`Your [a-z ]+ here`)

// TestStubsSayWhereToWork: in the handout, every function whose body the
// generator emptied (it has code in the reference, none in the handout)
// carries a "Your code here" line, so a student finds each place to work
// by searching for it.
func TestStubsSayWhereToWork(t *testing.T) {
	skipWithoutMarkers(t)
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "handout")
	if _, err := solution.Generate(root, out, solution.Options{}); err != nil {
		t.Fatal(err)
	}
	var bad []string
	err = filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "testdata") {
			return err
		}
		rel, _ := filepath.Rel(out, path)
		ref := filepath.Join(root, rel)
		if _, err := os.Stat(ref); err != nil {
			return nil
		}
		refBodies := bodies(t, ref)
		for name, b := range bodies(t, path) {
			if b.empty && !refBodies[name].empty && !yourCode.MatchString(b.text) {
				bad = append(bad, rel+": "+name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("%d function(s) the handout empties give no \"// Your code here (part).\" line: give each region a stub with one:\n  %s",
			len(bad), strings.Join(bad, "\n  "))
	}
}

// body is what matters of a function body here.
type body struct {
	empty bool   // no statements
	text  string // its source, comments included
}

// bodies returns the bodies of a file's functions and methods, by name
// ("Recv.Name" for methods).
func bodies(t *testing.T, path string) map[string]body {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]body{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) > 0 {
			name = recvName(fd.Recv.List[0].Type) + "." + name
		}
		out[name] = body{empty: len(fd.Body.List) == 0, text: string(src[fd.Body.Pos()-1 : fd.Body.End()-1])}
	}
	return out
}

// recvName is the type name of a receiver.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	}
	return "?"
}
