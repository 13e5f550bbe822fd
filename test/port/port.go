package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
)

// portTree ports every course package under src into dst (our layout),
// and returns the course it recognised and the packages it ported. kit is
// the kit's module root, whose sources the type check of a 2015 port
// reads ("" skips it).
func portTree(src, dst, kit string, rep *report) (course, []pkgDir, error) {
	c, pkgs, notes, err := detect(src)
	if err != nil {
		return 0, nil, err
	}
	for _, n := range notes {
		rep.note("%s", n)
	}
	paths := importsFor(c)
	chk := newChecker(kit, rep)
	var dirs []string
	for _, d := range pkgs {
		p, err := loadPkg(d)
		if err != nil {
			return c, nil, err
		}
		if c == course2015 {
			port2015(p, paths, rep)
		} else {
			port2022(p, paths, rep)
		}
		files, err := p.output(rep, paths)
		if err != nil {
			return c, nil, err
		}
		chk.ported[d.dst] = files
		dirs = append(dirs, d.dst)
	}
	if c == course2015 {
		if kit == "" {
			rep.byHand("the kit's sources were not found (give -kit): the port was not type-checked, so `make grade` may name compile errors")
		} else {
			for _, d := range checkOrder(dirs) {
				if _, err := chk.Import("distlabs/" + d); err != nil {
					rep.byHand("%s: not type-checked: %v", d, err)
				}
			}
		}
	}
	for _, d := range dirs {
		files := chk.ported[d]
		for _, name := range sortedKeys(files) {
			leftovers(filepath.Join(dst, filepath.FromSlash(d), name), files[name], rep)
		}
		if err := writeOut(filepath.Join(dst, filepath.FromSlash(d)), files); err != nil {
			return c, nil, err
		}
	}
	return c, pkgs, nil
}

// port2015 applies the READMEs' porting steps to a 2015 package.
func port2015(p *pkg, paths importMap, rep *report) {
	spec := specs2015[p.dir.name]
	var kept []*srcFile
	for _, sf := range p.files {
		if why, skip := spec.skipFiles[sf.name]; skip {
			rep.note("%s: not ported: %s", sf.path, why)
			continue
		}
		kept = append(kept, sf)
		if sf.f.Name.Name == "pbservice" {
			sf.replace(sf.f.Name, "pbkv")
		}
		rewriteImports(sf, paths, rep)
		dropTransport(sf, rep)
		dropRPCArg(sf, rep)
		rewriteAPI(p, sf, spec, rep)
	}
	p.files = kept
	addExtras(p, spec, rep)
}

// port2022 only points the imports at this module: the 2022 skeleton
// already talks labrpc. The course's config.go (a test harness in a
// non-test file) would collide with our config_test.go where our tests
// are in the package itself; raft's are external, so its config.go stays
// (student code may call its helpers).
func port2022(p *pkg, paths importMap, rep *report) {
	var kept []*srcFile
	for _, sf := range p.files {
		if p.dir.name != "raft" && declaresFunc(sf.f, "make_config") {
			rep.note("%s: not ported: the course's test harness, which our config_test.go replaces", sf.path)
			continue
		}
		kept = append(kept, sf)
		rewriteImports(sf, paths, rep)
	}
	p.files = kept
}

func declaresFunc(f *ast.File, name string) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
			return true
		}
	}
	return false
}

// leftovers lists, as steps by hand, what still uses the old transport
// after the rewrites (a helper of the student's own that dials a socket),
// by the ported file's line.
func leftovers(path string, src []byte, rep *report) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return // output already gofmt-checked it
	}
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || id.Obj != nil {
			return true
		}
		what := ""
		switch id.Name {
		case "rpc":
			what = "net/rpc"
		case "net":
			what = "package net"
		}
		if what == "" || seen[what] || !imports(f, id.Name) {
			return true
		}
		seen[what] = true
		rep.byHand("%s:%d: still uses %s (%s.%s): reach servers through labrpc ends as the rest of the port does", path, fset.Position(sel.Pos()).Line, what, id.Name, sel.Sel.Name)
		return true
	})
}

// imports reports whether f imports a package it calls name.
func imports(f *ast.File, name string) bool {
	for _, is := range f.Imports {
		p := is.Path.Value
		if is.Name != nil && is.Name.Name == name || is.Name == nil && (p == `"`+name+`"` || bytes.HasSuffix([]byte(p), []byte(`/`+name+`"`))) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// describe is the one-line summary of a port.
func describe(c course, pkgs []pkgDir, src string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s tree:", c)
	for _, d := range pkgs {
		rel, err := filepath.Rel(src, d.src)
		if err != nil {
			rel = d.src
		}
		fmt.Fprintf(&b, " %s -> %s/", filepath.ToSlash(rel), d.dst)
	}
	return b.String()
}
