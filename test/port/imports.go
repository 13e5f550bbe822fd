package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// importMap maps the last element of a course import path ("paxos" of
// "paxos", "6.824/paxos" or "pods/paxos": a 2015 tree lived in a GOPATH of
// the student's naming) to this module's path for it.
type importMap map[string]string

func importsFor(c course) importMap {
	m := importMap{"labrpc": "distlabs/labrpc", "labgob": "distlabs/labrpc/labgob"}
	table := known2015
	if c == course2022 {
		table = known2022
	}
	for name, dir := range table {
		m[name] = "distlabs/" + dir
	}
	return m
}

// target is the path that replaces p, if p is a course package. Paths of
// other modules (a dot in the first element, other than 6.824's) stay.
func (m importMap) target(p string) (string, bool) {
	if strings.HasPrefix(p, "distlabs/") {
		return "", false
	}
	first := p
	if i := strings.Index(p, "/"); i >= 0 {
		first = p[:i]
	}
	if strings.Contains(first, ".") && first != "6.824" {
		return "", false
	}
	t, ok := m[lastElem(p)]
	return t, ok
}

// rewriteImports points the file's course imports at this module.
func rewriteImports(sf *srcFile, m importMap, rep *report) {
	for _, imp := range sf.f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		if t, ok := m.target(p); ok {
			sf.replace(imp.Path, strconv.Quote(t))
			rep.note("%s: import %q -> %q", sf.line(imp.Pos()), p, t)
		}
	}
}

// wellKnown are the import paths a rewrite may need to add, by the name
// the code uses.
var wellKnown = map[string]string{
	"labrpc": "distlabs/labrpc",
	"atomic": "sync/atomic",
	"paxos":  "distlabs/paxos",
}

// tidyImports drops the imports src no longer uses (the old transport's
// net, net/rpc, os, syscall, log: the compiler refuses unused imports)
// and adds those the rewrites introduced, then gofmts the result.
func tidyImports(path string, src []byte, m importMap, rep *report) ([]byte, error) {
	src, err := gofmt(path, src)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("%s: the ported file does not parse: %w", path, err)
	}
	used := usedPackageNames(f)
	sf := &srcFile{path: path, src: src, fset: fset, f: f}
	have := map[string]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		var kept int
		var drop []*ast.ImportSpec
		for _, spec := range gd.Specs {
			is := spec.(*ast.ImportSpec)
			p, _ := strconv.Unquote(is.Path.Value)
			name := importName(is, p, m)
			have[name] = true
			if name == "_" || name == "." || used[name] {
				kept++
				continue
			}
			drop = append(drop, is)
			rep.note("%s: dropped the unused import %q", path, p)
		}
		if kept == 0 {
			sf.remove(gd)
			continue
		}
		for _, is := range drop {
			sf.remove(is)
		}
	}
	var add []string
	for name := range used {
		if p, ok := wellKnown[name]; ok && !have[name] {
			add = append(add, strconv.Quote(p))
		}
	}
	sort.Strings(add)
	if len(add) > 0 {
		sf.insert(f.Name.End(), "\n\nimport (\n"+strings.Join(add, "\n")+"\n)\n")
	}
	out, err := applyEdits(src, sf.edits)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return gofmt(path, out)
}

// importName is the name a file refers to an import by: its explicit
// name, or the last element of its path (course packages and the standard
// library name their package so).
func importName(is *ast.ImportSpec, path string, m importMap) string {
	if is.Name != nil {
		return is.Name.Name
	}
	if t, ok := m.target(path); ok {
		path = t
	}
	return lastElem(path)
}

// usedPackageNames lists the identifiers used as the left side of a
// selector that the parser could not resolve in the file: package names.
func usedPackageNames(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}
