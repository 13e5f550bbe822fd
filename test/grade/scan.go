package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Code in the test process can in principle forge anything the harness
// does. The grader cannot prove a submission honest, so it points a TA at
// the few constructs that forging needs: leaving the process without the
// testing package (syscall, unsafe, os/exec, cgo, os.Exit from an init
// function), reaching the testing package's internals (go:linkname,
// importing testing outside tests, rewriting os.Args), reading the verdict
// nonce from /proc, or writing to the verdict fd.

// suspectImports are imports a lab solution has no use for.
var suspectImports = map[string]string{
	"syscall":          "can exit the process behind the testing package's back",
	"unsafe":           "can rewrite any memory, including the harness's",
	"os/exec":          "can start processes outside the test",
	"C":                "cgo: arbitrary native code",
	"testing":          "a non-test file reaching into the testing package",
	"internal/testlog": "testing internals",
	"runtime/debug":    "can change the runtime's limits",
	"plugin":           "loads code the grader never saw",
}

// suspectStrings are literals that only forging code would contain.
var suspectStrings = []string{"/proc/self", "/dev/fd", "DISTLABS_", "distlabs-verdict", "\x16", "--- PASS"}

// scanSubmission returns one note per suspicious construct in the
// submission's Go files outside the infrastructure (which is ours): every
// package, not only the labs', since a lab can import a helper package
// from anywhere in the tree. A construct is flagged only if our file at the
// same path lacks it, so a handout-based tree is not flagged for what our
// own stubs and files already do.
func scanSubmission(root, dst string, rubric *Rubric) ([]string, error) {
	infra := rubric.infrastructure()
	var notes []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(dst, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		rel, err := filepath.Rel(dst, path)
		if err != nil {
			return fmt.Errorf("scan %s: %w", path, err)
		}
		if d.IsDir() {
			if !studentDir(rel, infra) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("scan %s: %w", rel, err)
		}
		ours, err := os.ReadFile(filepath.Join(root, rel))
		if err == nil && bytes.Equal(ours, src) {
			return nil
		}
		known := map[string]bool{}
		if err == nil {
			for _, f := range scanFile(fset, rel, ours) {
				known[f.what] = true
			}
		}
		for _, f := range scanFile(fset, rel, src) {
			if !known[f.what] {
				notes = append(notes, fmt.Sprintf("flagged for a human look: %s:%d: %s", rel, f.line, f.what))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return notes, nil
}

// studentDir reports whether the directory rel of a graded tree may hold
// student code: not the infrastructure (ours), nor a directory the go tool
// ignores (testdata, vendor, names starting with . or _).
func studentDir(rel string, infra []string) bool {
	if rel == "." {
		return true
	}
	name := filepath.Base(rel)
	if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
		return false
	}
	return !slices.ContainsFunc(infra, func(i string) bool { return filepath.Clean(i) == rel })
}

// finding is one suspicious construct of a file.
type finding struct {
	line int
	what string
}

// scanFile lists the suspicious constructs of one file.
func scanFile(fset *token.FileSet, rel string, src []byte) []finding {
	var found []finding
	flag := func(pos token.Pos, what string) {
		found = append(found, finding{fset.Position(pos).Line, what})
	}
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return []finding{{0, fmt.Sprintf("does not parse: %v", err)}}
	}
	osName := "" // the file's name for package os, if it imports it
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path == "os" {
			osName = "os"
			if imp.Name != nil {
				osName = imp.Name.Name
			}
		}
		if why, ok := suspectImports[path]; ok {
			flag(imp.Pos(), fmt.Sprintf("imports %s (%s)", path, why))
		} else if strings.HasPrefix(path, "golang.org/x/sys") {
			flag(imp.Pos(), "imports "+path+" (system calls)")
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:linkname") {
				flag(c.Pos(), "go:linkname (reaches unexported runtime or testing symbols)")
			}
		}
	}
	isOS := func(e ast.Expr, name string) bool {
		x, ok := e.(*ast.SelectorExpr)
		if !ok || osName == "" {
			return false
		}
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == osName && x.Sel.Name == name
	}
	var initPos, exitPos token.Pos
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncDecl:
			if x.Recv == nil && x.Name.Name == "init" && !initPos.IsValid() {
				initPos = x.Pos()
			}
		case *ast.BasicLit:
			if x.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(x.Value)
			if err != nil {
				return true
			}
			if i := slices.IndexFunc(suspectStrings, func(p string) bool { return strings.Contains(s, p) }); i >= 0 {
				flag(x.Pos(), fmt.Sprintf("string literal containing %q", suspectStrings[i]))
			}
		case *ast.SelectorExpr:
			if isOS(x, "NewFile") {
				flag(x.Pos(), "os.NewFile (opens an inherited descriptor such as the verdict pipe)")
			}
			if isOS(x, "Exit") && !exitPos.IsValid() {
				exitPos = x.Pos()
			}
		case *ast.AssignStmt:
			for _, lhs := range x.Lhs {
				if ix, ok := lhs.(*ast.IndexExpr); ok {
					lhs = ix.X
				}
				if isOS(lhs, "Args") {
					flag(lhs.Pos(), "assigns to os.Args (changes the flags the testing package parses)")
				}
			}
		}
		return true
	})
	if initPos.IsValid() && exitPos.IsValid() {
		flag(initPos, "func init in a file that calls os.Exit (can leave before the testing package runs any test)")
	}
	return found
}
