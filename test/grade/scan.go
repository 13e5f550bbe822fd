package main

import (
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
// submission's Go files outside the infrastructure (which is ours). It
// reads every file the go command compiles into a graded test binary
// (compiled, relative to dst: test files too, and packages under _x or
// testdata directories) and every non-test file of the packages a walk of
// dst finds, which adds the packages no graded lab builds (a lab not
// selected, one whose listing failed): a TA reads those too. A construct
// is flagged only if ours (our trees: the reference, the hidden tests)
// has the file at the same path without it, so a handout-based tree is
// not flagged for what our own stubs and files already do.
func scanSubmission(ours []string, dst string, rubric *Rubric, compiled []string) ([]string, error) {
	infra := rubric.infrastructure()
	files := slices.Clone(compiled)
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
		if strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	var notes []string
	fset := token.NewFileSet()
	for _, rel := range slices.Compact(files) {
		src, err := os.ReadFile(filepath.Join(dst, rel))
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", rel, err)
		}
		ourSrc, same := ourCopy(ours, rel, src)
		if same {
			continue
		}
		known := map[string]bool{}
		if ourSrc != nil {
			for _, f := range scanFile(fset, rel, ourSrc) {
				known[f.what] = true
			}
		}
		for _, f := range scanFile(fset, rel, src) {
			if !known[f.what] {
				notes = append(notes, fmt.Sprintf("flagged for a human look: %s:%d: %s", filepath.ToSlash(rel), f.line, f.what))
			}
		}
	}
	return notes, nil
}

// studentDir reports whether the walk of scanSubmission enters the
// directory rel of a graded tree: not the infrastructure (ours), nor a
// directory the go tool's patterns skip (testdata, vendor, names starting
// with . or _), whose packages are built only if imported and are then
// among the compiled files.
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
		if path == "testing" && strings.HasSuffix(rel, "_test.go") {
			continue // what test files are for
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
