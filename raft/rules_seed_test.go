package raft_test

// A failing test prints the command that replays it with the same -seed.
// That replays the run only if every random choice the peers make comes
// from a seeded source: a Raft that draws its election timeouts from
// math/rand's global functions (rand.Intn, rand.Int63, ...) makes a
// different run every time. The harness cannot tell from one run, but the
// source can: when a test fails, the config names such calls next to the
// replay line.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// seededRandNames are the names of math/rand and math/rand/v2 that do not
// draw from the global source: constructors of seeded generators and types.
var seededRandNames = map[string]bool{
	"New": true, "NewSource": true, "NewPCG": true, "NewChaCha8": true, "NewZipf": true,
	"Rand": true, "Source": true, "Source64": true, "PCG": true, "ChaCha8": true, "Zipf": true,
}

var globalRand struct {
	once sync.Once
	uses []string
}

// globalRandUses lists, once per test binary, the calls of this package's
// non-test source (in the working directory, which go test sets to the
// package's) that draw from the global source. rand.go is left out: its
// unseeded fallback serves programs that never seed, not the tests.
func globalRandUses() []string {
	globalRand.once.Do(func() { globalRand.uses = scanGlobalRand(".", "rand.go") })
	return globalRand.uses
}

// scanGlobalRand returns "file:line (rand.Name)" for every use of a
// math/rand or math/rand/v2 package-level name outside seededRandNames in
// the non-test Go files of dir, except the files named in skip. Files that
// do not parse are left to the compiler.
func scanGlobalRand(dir string, skip ...string) []string {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil
	}
	fset := token.NewFileSet()
	var uses []string
	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasSuffix(base, "_test.go") || contains(skip, base) {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		f, err := parser.ParseFile(fset, base, src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		local := map[string]bool{}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p != "math/rand" && p != "math/rand/v2" {
				continue
			}
			if imp.Name != nil {
				local[imp.Name.Name] = true
			} else {
				local["rand"] = true
			}
		}
		if len(local) == 0 {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && local[id.Name] && !seededRandNames[sel.Sel.Name] {
				uses = append(uses, fmt.Sprintf("%s:%d (%s.%s)", base, fset.Position(sel.Pos()).Line, id.Name, sel.Sel.Name))
			}
			return true
		})
	}
	return uses
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// noteUnseededRandomness logs, for a failed test, where the package draws
// from a source -seed does not control.
func noteUnseededRandomness(t *testing.T) {
	if !t.Failed() {
		return
	}
	if uses := globalRandUses(); len(uses) > 0 {
		t.Logf("note: the replay command may not reproduce this run: %s draw(s) from math/rand's global source, which -seed does not control; draw from a seeded *rand.Rand instead (rf.rng, see rand.go)",
			strings.Join(uses, ", "))
	}
}

// TestScanGlobalRand: the scan finds global draws under any import name
// and in either version of the package, and not seeded generators' methods.
func TestScanGlobalRand(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.go":      "package p\n\nimport \"math/rand\"\n\nfunc f() int { return rand.Intn(5) }\n",
		"b.go":      "package p\n\nimport mr \"math/rand/v2\"\n\nvar r = mr.New(mr.NewPCG(1, 2))\n\nfunc g() int { return r.IntN(3) + mr.N(4) }\n",
		"c.go":      "package p\n\nimport \"math/rand/v2\"\n\nfunc h(r *rand.Rand) int { return r.IntN(2) }\n",
		"rand.go":   "package p\n\nimport \"math/rand/v2\"\n\nvar s = rand.Uint64()\n",
		"x_test.go": "package p\n\nimport \"math/rand\"\n\nvar y = rand.Int()\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := strings.Join(scanGlobalRand(dir, "rand.go"), ", ")
	if want := "a.go:5 (rand.Intn), b.go:7 (mr.N)"; got != want {
		t.Fatalf("scan = %q, want %q", got, want)
	}
}
