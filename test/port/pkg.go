package main

import (
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
)

// report collects what the port did and what it left to a human.
type report struct {
	notes  []string // what was rewritten or skipped, for -v
	manual []string // "file:line: what to do", always printed
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) byHand(format string, args ...any) {
	r.manual = append(r.manual, fmt.Sprintf(format, args...))
}

// srcFile is one parsed Go file of a student package and the edits the
// rewrites collected for it.
type srcFile struct {
	path  string // in the source tree, as reports name it
	name  string // base name
	src   []byte
	fset  *token.FileSet
	f     *ast.File
	edits []edit
}

func (sf *srcFile) off(p token.Pos) int { return sf.fset.Position(p).Offset }

func (sf *srcFile) line(p token.Pos) string {
	return fmt.Sprintf("%s:%d", sf.path, sf.fset.Position(p).Line)
}

func (sf *srcFile) text(n ast.Node) string {
	return string(sf.src[sf.off(n.Pos()):sf.off(n.End())])
}

// replace replaces node n's bytes with text.
func (sf *srcFile) replace(n ast.Node, text string) {
	sf.edits = append(sf.edits, edit{sf.off(n.Pos()), sf.off(n.End()), text})
}

// insert puts text at p.
func (sf *srcFile) insert(p token.Pos, text string) {
	o := sf.off(p)
	sf.edits = append(sf.edits, edit{o, o, text})
}

// remove deletes node n, and the line comment after it on its line.
func (sf *srcFile) remove(n ast.Node) {
	end := sf.off(n.End())
	for _, cg := range sf.f.Comments {
		if cg.Pos() >= n.End() && sf.fset.Position(cg.Pos()).Line == sf.fset.Position(n.End()).Line {
			end = sf.off(cg.End())
			break
		}
	}
	sf.edits = append(sf.edits, edit{sf.off(n.Pos()), end, ""})
}

// pkg is one student package being ported.
type pkg struct {
	dir   pkgDir
	files []*srcFile
	// methods lists each receiver type's methods; funcs and types the
	// package-level functions and types, to tell whether a name the port
	// would add is taken.
	methods map[string]map[string]bool
	decls   map[string]bool
	// extra are files the port adds (name to contents).
	extra map[string][]byte
}

// loadPkg parses every non-test Go file of d.
func loadPkg(d pkgDir) (*pkg, error) {
	names, err := goFiles(d.src)
	if err != nil {
		return nil, err
	}
	p := &pkg{dir: d, methods: map[string]map[string]bool{}, decls: map[string]bool{}, extra: map[string][]byte{}}
	for _, n := range names {
		path := filepath.Join(d.src, n)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", path, err)
		}
		p.files = append(p.files, &srcFile{path: path, name: n, src: src, fset: fset, f: f})
		for _, decl := range f.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil {
					p.decls[decl.Name.Name] = true
					continue
				}
				recv := recvType(decl)
				if p.methods[recv] == nil {
					p.methods[recv] = map[string]bool{}
				}
				p.methods[recv][decl.Name.Name] = true
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						p.decls[spec.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							p.decls[n.Name] = true
						}
					}
				}
			}
		}
	}
	return p, nil
}

// recvType is the name of a method's receiver type, without the star.
func recvType(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// recvName is the name a method gives its receiver ("" if unnamed).
func recvName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 || len(fd.Recv.List[0].Names) == 0 {
		return ""
	}
	return fd.Recv.List[0].Names[0].Name
}

// output applies each file's edits, then tidies its imports (drops what
// the old transport used, adds what the new code needs) and gofmts it.
func (p *pkg) output(rep *report, paths importMap) (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, sf := range p.files {
		src, err := applyEdits(sf.src, sf.edits)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sf.path, err)
		}
		src, err = tidyImports(sf.path, src, paths, rep)
		if err != nil {
			return nil, err
		}
		out[sf.name] = src
	}
	for name, src := range p.extra {
		formatted, err := format.Source(src)
		if err != nil {
			return nil, fmt.Errorf("the port's own %s does not format: %w", name, err)
		}
		out[name] = formatted
	}
	return out, nil
}

// writeOut writes files into dir (created as needed).
func writeOut(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return nil
}

// walkCalls calls fn for every call expression under n.
func walkCalls(n ast.Node, fn func(*ast.CallExpr)) {
	ast.Inspect(n, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok {
			fn(c)
		}
		return true
	})
}

// isPkgCall reports whether c calls pkgName.fn (fn "" for any).
func isPkgCall(c *ast.CallExpr, pkgName, fn string) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkgName && id.Obj == nil && (fn == "" || sel.Sel.Name == fn)
}

// gofmt formats src, naming path in the error.
func gofmt(path string, src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		return nil, fmt.Errorf("%s: the ported file does not parse (a bug of the port, or of the source): %w", path, err)
	}
	return out, nil
}
