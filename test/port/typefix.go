package main

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// The syntax rewrites change the 2015 addresses where the kit's API
// fixes their type (constructors, call, the peers field). A student's own
// helpers often pass an address on (`func (px *Paxos) prepare(peer
// string, ...)` called with px.peers[i]); the type checker finds each such
// place, and the fixer retypes the declaration the value flows into, as a
// TA would: a parameter, a result or a variable of type string that
// receives an end becomes *labrpc.ClientEnd. What it cannot retype stays a
// type error, listed as a step by hand.

const endTypeName = "*distlabs/labrpc.ClientEnd"

// checker type-checks ported packages against the kit's sources.
type checker struct {
	kit     string                       // the kit's module root ("" if unknown)
	ported  map[string]map[string][]byte // our dir -> file -> ported source
	keep    map[string]map[string]bool   // our dir -> kit files the grader keeps beside the upload
	done    map[string]*types.Package    // import path -> checked package
	busy    map[string]bool              // import cycle guard
	std     types.Importer
	rep     *report
	srcDirs map[string]string // our dir -> student's source dir, for reports
}

func newChecker(kit string, rep *report) *checker {
	findGOROOT()
	return &checker{
		kit: kit, ported: map[string]map[string][]byte{}, keep: map[string]map[string]bool{},
		done: map[string]*types.Package{}, busy: map[string]bool{},
		std: importer.Default(), rep: rep, srcDirs: map[string]string{},
	}
}

// findGOROOT tells go/build where the standard library is when this
// binary does not know: one built with -trimpath (as make test and the
// grader build) has no GOROOT of its own, and the importer then finds no
// standard package at all.
func findGOROOT() {
	if build.Default.GOROOT != "" {
		return
	}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		build.Default.GOROOT = strings.TrimSpace(string(out))
	}
}

func (c *checker) Import(path string) (*types.Package, error) {
	if p, ok := c.done[path]; ok {
		return p, nil
	}
	if !strings.HasPrefix(path, "distlabs/") {
		return c.std.Import(path)
	}
	if c.busy[path] {
		return nil, fmt.Errorf("import cycle through %s", path)
	}
	c.busy[path] = true
	defer delete(c.busy, path)
	dir := strings.TrimPrefix(path, "distlabs/")
	if _, ok := c.ported[dir]; ok {
		p := c.fix(dir)
		c.done[path] = p
		return p, nil
	}
	files, err := c.kitFiles(dir, nil)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for name, src := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), src, 0)
		if err != nil {
			return nil, fmt.Errorf("kit package %s: %w", dir, err)
		}
		parsed = append(parsed, f)
	}
	conf := types.Config{Importer: c, Error: func(error) {}}
	p, err := conf.Check(path, fset, parsed, nil)
	if p == nil {
		return nil, fmt.Errorf("kit package %s: %w", dir, err)
	}
	c.done[path] = p
	return p, nil
}

// kitFiles reads the kit's non-test Go files of dir, or only those keep
// names when keep is not nil.
func (c *checker) kitFiles(dir string, keep map[string]bool) (map[string][]byte, error) {
	if c.kit == "" {
		return nil, fmt.Errorf("the kit's sources were not found (run from the kit, or give -kit)")
	}
	full := filepath.Join(c.kit, filepath.FromSlash(dir))
	names, err := goFiles(full)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	for _, n := range names {
		if keep != nil && !keep[n] {
			continue
		}
		src, err := os.ReadFile(filepath.Join(full, n))
		if err != nil {
			return nil, fmt.Errorf("reading the kit's %s/%s: %w", dir, n, err)
		}
		files[n] = src
	}
	return files, nil
}

// keptKitFiles are the kit's files the grader leaves beside an upload of
// dir: those without solution code that the upload does not replace.
func (c *checker) keptKitFiles(dir string) map[string]bool {
	keep := map[string]bool{}
	files, err := c.kitFiles(dir, nil)
	if err != nil {
		return keep
	}
	for n, src := range files {
		if _, uploaded := c.ported[dir][n]; !uploaded && !strings.Contains(string(src), "//solution:") {
			keep[n] = true
		}
	}
	return keep
}

// fix type-checks the ported package of dir, retypes what receives an
// end, and repeats until nothing more changes; it reports the errors left.
func (c *checker) fix(dir string) *types.Package {
	var pkg *types.Package
	for round := 0; ; round++ {
		fset, files, names, kitNames := c.parse(dir)
		var errs []types.Error
		conf := types.Config{Importer: c, Error: func(err error) {
			if te, ok := err.(types.Error); ok {
				errs = append(errs, te)
			}
		}}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		pkg, _ = conf.Check("distlabs/"+dir, fset, files, info)
		if len(errs) == 0 {
			return pkg
		}
		changed := false
		if round < 8 {
			changed = c.retype(dir, fset, files, names, kitNames, info)
		}
		if !changed {
			for _, e := range errs {
				pos := e.Fset.Position(e.Pos)
				c.rep.byHand("%s:%d: %s (does not compile after the port; the line is the ported file's)", filepath.Join(dir, filepath.Base(pos.Filename)), pos.Line, e.Msg)
			}
			return pkg
		}
	}
}

// parse parses the ported files of dir and the kit files kept beside them.
func (c *checker) parse(dir string) (*token.FileSet, []*ast.File, []string, map[string]bool) {
	fset := token.NewFileSet()
	var files []*ast.File
	var names []string
	for _, n := range sortedKeys(c.ported[dir]) {
		f, err := parser.ParseFile(fset, n, c.ported[dir][n], parser.ParseComments)
		if err == nil {
			files = append(files, f)
			names = append(names, n)
		}
	}
	if c.keep[dir] == nil {
		c.keep[dir] = c.keptKitFiles(dir)
	}
	kit, _ := c.kitFiles(dir, c.keep[dir])
	for _, n := range sortedKeys(kit) {
		if f, err := parser.ParseFile(fset, n, kit[n], 0); err == nil {
			files = append(files, f)
			names = append(names, n)
		}
	}
	return fset, files, names, c.keep[dir]
}

// retype finds the declarations that receive an end where they expect a
// string and changes their type in the ported source.
func (c *checker) retype(dir string, fset *token.FileSet, files []*ast.File, names []string, kitNames map[string]bool, info *types.Info) bool {
	isEnd := func(e ast.Expr) bool {
		tv, ok := info.Types[e]
		return ok && tv.Type != nil && tv.Type.String() == endTypeName
	}
	isEnds := func(e ast.Expr) bool {
		tv, ok := info.Types[e]
		return ok && tv.Type != nil && tv.Type.String() == "[]"+endTypeName
	}
	want := map[token.Pos]string{} // declaring identifier -> new type
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sig, ok := info.Types[n.Fun].Type.(*types.Signature)
				if !ok || info.Types[n.Fun].IsType() {
					return true
				}
				for i, a := range n.Args {
					if i >= sig.Params().Len() || sig.Variadic() && i >= sig.Params().Len()-1 {
						break
					}
					v := sig.Params().At(i)
					switch {
					case isEnd(a) && v.Type().String() == "string":
						want[v.Pos()] = "*labrpc.ClientEnd"
					case isEnds(a) && v.Type().String() == "[]string":
						want[v.Pos()] = "[]*labrpc.ClientEnd"
					}
				}
			case *ast.AssignStmt:
				if len(n.Lhs) != len(n.Rhs) {
					return true
				}
				for i, r := range n.Rhs {
					if !isEnd(r) {
						continue
					}
					if obj := lhsVar(n.Lhs[i], info); obj != nil && obj.Type().String() == "string" {
						want[obj.Pos()] = "*labrpc.ClientEnd"
					}
					// m[k] = end, with m a map or slice of strings: its
					// element type where m is declared or made
					if ix, ok := n.Lhs[i].(*ast.IndexExpr); ok {
						if obj := lhsVar(ix.X, info); obj != nil {
							if id := elemString(defTypeExpr(files, obj)); id != nil {
								want[id.Pos()] = "*labrpc.ClientEnd"
							}
						}
					}
				}
			}
			return true
		})
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || fd.Type.Results == nil {
				continue
			}
			results := flatFields(fd.Type.Results)
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if _, ok := n.(*ast.FuncLit); ok {
					return false
				}
				rs, ok := n.(*ast.ReturnStmt)
				if !ok || len(rs.Results) != len(results) {
					return true
				}
				for i, r := range rs.Results {
					if isEnd(r) && exprText(results[i].Type) == "string" {
						want[results[i].pos] = "*labrpc.ClientEnd"
					}
				}
				return true
			})
		}
	}
	if len(want) == 0 {
		return false
	}
	changed := false
	for i, f := range files {
		name := names[i]
		src, ported := c.ported[dir][name]
		if !ported {
			continue
		}
		sf := &srcFile{path: filepath.Join(dir, name), name: name, src: src, fset: fset, f: f}
		for _, fl := range fieldLists(f) {
			for _, fld := range fl.List {
				retypeField(sf, fl, fld, want, c.rep)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "string" {
				if t, ok := want[id.Pos()]; ok && !isFieldType(f, id) {
					sf.replace(id, t)
					c.rep.note("%s: an element type string is %s", sf.line(id.Pos()), t)
				}
			}
			return true
		})
		if len(sf.edits) == 0 {
			continue
		}
		out, err := applyEdits(src, sf.edits)
		if err == nil {
			out, err = tidyImports(sf.path, out, importMap{}, c.rep)
		}
		if err != nil {
			c.rep.byHand("%s: the type fix failed: %v", sf.path, err)
			continue
		}
		c.ported[dir][name] = out
		changed = true
	}
	for p := range want {
		if name := filepath.Base(fset.Position(p).Filename); kitNames[name] {
			c.rep.byHand("%s: the kit's %s expects a string where the port passes an end: port the student's %s instead", dir, name, name)
		}
	}
	return changed
}

// retypeField rewrites fld's type where want names one of its names;
// a field that declares several names is split so only those change.
func retypeField(sf *srcFile, fl *ast.FieldList, fld *ast.Field, want map[token.Pos]string, rep *report) {
	typ := sf.text(fld.Type)
	if len(fld.Names) == 0 {
		if t, ok := want[fld.Type.Pos()]; ok {
			sf.replace(fld.Type, t)
			rep.note("%s: a result of type %s is %s", sf.line(fld.Pos()), typ, t)
		}
		return
	}
	hit := false
	var parts []string
	for _, n := range fld.Names {
		t := typ
		if w, ok := want[n.Pos()]; ok {
			t, hit = w, true
			rep.note("%s: %s is %s, not %s", sf.line(n.Pos()), n.Name, w, typ)
		}
		parts = append(parts, n.Name+" "+t)
	}
	if !hit {
		return
	}
	sep := ", "
	if fl.Opening == token.NoPos { // a struct's fields: one per line
		sep = "\n"
	}
	sf.edits = append(sf.edits, edit{sf.off(fld.Names[0].Pos()), sf.off(fld.Type.End()), strings.Join(parts, sep)})
}

// fieldLists are the parameter, result and struct field lists of f.
func fieldLists(f *ast.File) []*ast.FieldList {
	var lists []*ast.FieldList
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncType:
			lists = append(lists, n.Params)
			if n.Results != nil {
				lists = append(lists, n.Results)
			}
		case *ast.StructType:
			lists = append(lists, n.Fields)
		}
		return true
	})
	return lists
}

// flatField is one result of a function, with the position want keys it
// by: its name's, or its type's when unnamed.
type flatField struct {
	pos  token.Pos
	Type ast.Expr
}

func flatFields(fl *ast.FieldList) []flatField {
	var out []flatField
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			out = append(out, flatField{f.Type.Pos(), f.Type})
		}
		for _, n := range f.Names {
			out = append(out, flatField{n.Pos(), f.Type})
		}
	}
	return out
}

func exprText(e ast.Expr) string { return types.ExprString(e) }

// lhsVar is the variable or field an assignment's left side names.
func lhsVar(e ast.Expr, info *types.Info) types.Object {
	switch e := e.(type) {
	case *ast.Ident:
		if o, ok := info.Uses[e]; ok {
			return o
		}
		return nil // a := defines: its type follows the value
	case *ast.SelectorExpr:
		return info.Uses[e.Sel]
	}
	return nil
}

// defTypeExpr is the type expression obj was declared with: a field's or
// parameter's type, a var's type (or value), or the type made by
// `m := make(T)` or `m := T{}`.
func defTypeExpr(files []*ast.File, obj types.Object) ast.Expr {
	var found ast.Expr
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			if found != nil {
				return false
			}
			switch n := n.(type) {
			case *ast.Field:
				for _, id := range n.Names {
					if id.Pos() == obj.Pos() {
						found = n.Type
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if id.Pos() != obj.Pos() {
						continue
					}
					if n.Type != nil {
						found = n.Type
					} else if i < len(n.Values) {
						found = madeType(n.Values[i])
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Pos() == obj.Pos() && i < len(n.Rhs) && len(n.Lhs) == len(n.Rhs) {
						found = madeType(n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	return found
}

// madeType is T of make(T, ...) or T{...}.
func madeType(e ast.Expr) ast.Expr {
	switch e := e.(type) {
	case *ast.CallExpr:
		if fn, ok := e.Fun.(*ast.Ident); ok && fn.Name == "make" && len(e.Args) > 0 {
			return e.Args[0]
		}
	case *ast.CompositeLit:
		return e.Type
	}
	return nil
}

// elemString is the `string` element type of a map or slice type.
func elemString(t ast.Expr) *ast.Ident {
	var elem ast.Expr
	switch t := t.(type) {
	case *ast.MapType:
		elem = t.Value
	case *ast.ArrayType:
		elem = t.Elt
	}
	if id, ok := elem.(*ast.Ident); ok && id.Name == "string" {
		return id
	}
	return nil
}

// isFieldType reports whether id is the whole type of a field, which
// retypeField handles.
func isFieldType(f *ast.File, id *ast.Ident) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if fld, ok := n.(*ast.Field); ok && fld.Type == ast.Expr(id) {
			found = true
		}
		return !found
	})
	return found
}

// findKit is the module root of the kit: the nearest directory above dir
// whose go.mod declares module distlabs.
func findKit(dir string) string {
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "module distlabs") {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// checkOrder lists the ported dirs so each comes after what it imports;
// the checker's importer would find them anyway, this only keeps the
// reports in a stable order.
func checkOrder(dirs []string) []string {
	rank := map[string]int{"viewservice": 0, "paxos": 1, "pbkv": 2, "paxos/kvpaxos": 3, "paxos/shardmaster": 4, "paxos/shardkv": 5, "raft": 0, "raft/kvraft": 1, "shardkv/shardctrler": 1, "shardkv": 2}
	sort.SliceStable(dirs, func(i, j int) bool { return rank[dirs[i]] < rank[dirs[j]] })
	return dirs
}
