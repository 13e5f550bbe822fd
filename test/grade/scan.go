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
// testing package (syscall, unsafe, os/exec, cgo), reaching the testing
// package's internals (go:linkname, importing testing outside tests),
// reading the verdict nonce from /proc, or writing to the verdict fd.

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

// scanSubmission returns one note per suspicious construct in the Go files
// of the graded packages that are not byte-identical to the course's copy.
func scanSubmission(root, dst string, rubric *Rubric) ([]string, error) {
	var notes []string
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, lab := range rubric.Labs {
		pkgDir := filepath.Join(dst, lab.Package)
		err := filepath.WalkDir(pkgDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // a lab the submission lacks
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(dst, path)
			if seen[rel] || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			seen[rel] = true
			src, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("scan %s: %w", rel, err)
			}
			if ours, err := os.ReadFile(filepath.Join(root, rel)); err == nil && bytes.Equal(ours, src) {
				return nil
			}
			notes = append(notes, scanFile(fset, rel, src)...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return notes, nil
}

// scanFile lists the suspicious constructs of one file.
func scanFile(fset *token.FileSet, rel string, src []byte) []string {
	var notes []string
	flag := func(pos token.Pos, what string) {
		notes = append(notes, fmt.Sprintf("flagged for a human look: %s:%d: %s", rel, fset.Position(pos).Line, what))
	}
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
	if err != nil {
		return []string{fmt.Sprintf("flagged for a human look: %s does not parse: %v", rel, err)}
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
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
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
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
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "os" && x.Sel.Name == "NewFile" {
				flag(x.Pos(), "os.NewFile (opens an inherited descriptor such as the verdict pipe)")
			}
		}
		return true
	})
	return notes
}
