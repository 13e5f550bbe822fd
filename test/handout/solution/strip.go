package solution

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"path"
	"strconv"
	"strings"
)

// FileResult is the handout version of one Go file.
type FileResult struct {
	Src     []byte // new content (nil if Drop)
	Drop    bool   // solution-only file: not in the handout
	Regions int    // regions replaced or removed
	Kept    int    // regions kept because of Options.UpTo
}

// StripFile applies the markers of one Go source file. name is used in
// error messages only.
func StripFile(name string, src []byte, opt Options) (FileResult, error) {
	var res FileResult
	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	const (
		outside = iota
		inRef   // reference code of a region
		inStub  // stub lines of a region
	)
	state, beginLine, keep := outside, 0, false
	firstCode := true // no non-blank line seen yet
	for i, line := range lines {
		lineno := i + 1
		d, isMarker, err := parseDirective(line)
		if err != nil {
			return res, fmt.Errorf("%s:%d: %w", name, lineno, err)
		}
		wasFirst := firstCode
		if strings.TrimSpace(line) != "" {
			firstCode = false
		}
		if isMarker {
			switch d.kind {
			case dirFile:
				if !wasFirst {
					return res, fmt.Errorf("%s:%d: //solution:file must be the file's first line", name, lineno)
				}
				if !opt.keep(d.part, name) {
					return FileResult{Drop: true}, nil
				}
				res.Kept++
			case dirBegin:
				if state != outside {
					return res, fmt.Errorf("%s:%d: //solution:begin inside the region opened at line %d (regions do not nest)", name, lineno, beginLine)
				}
				state, beginLine, keep = inRef, lineno, opt.keep(d.part, name)
			case dirStub:
				if state != inRef {
					return res, fmt.Errorf("%s:%d: //solution:stub outside a region or repeated", name, lineno)
				}
				state = inStub
			case dirEnd:
				if state == outside {
					return res, fmt.Errorf("%s:%d: //solution:end without //solution:begin", name, lineno)
				}
				state = outside
				if keep {
					res.Kept++
				} else {
					res.Regions++
				}
			}
			continue
		}
		switch state {
		case outside:
			out.WriteString(line)
		case inRef:
			if keep {
				out.WriteString(line)
			}
		case inStub:
			code, err := uncomment(line)
			if err != nil {
				return res, fmt.Errorf("%s:%d: %w", name, lineno, err)
			}
			if !keep {
				out.WriteString(code)
			}
		}
	}
	if state != outside {
		return res, fmt.Errorf("%s:%d: region opened here is never closed with //solution:end", name, beginLine)
	}
	if res.Regions == 0 && res.Kept == 0 {
		res.Src = src
		return res, nil
	}
	fixed, err := fixImports(name, src, []byte(out.String()))
	if err != nil {
		return res, err
	}
	res.Src = fixed
	return res, nil
}

// uncomment turns a stub line "<indent>// code" into "<indent>code".
func uncomment(line string) (string, error) {
	trimmed := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(trimmed)]
	if strings.TrimSpace(trimmed) == "" {
		return line, nil
	}
	if !strings.HasPrefix(trimmed, "//") {
		return "", fmt.Errorf("stub line %q is not a // comment", strings.TrimSpace(line))
	}
	body := strings.TrimPrefix(trimmed[2:], " ")
	return indent + body, nil
}

// fixImports deletes the imports that were used in the reference file orig
// but are no longer used in the handout file src, then gofmt's the result.
// An import counts as used if its name appears as the X of a selector
// expression; the name of an unnamed import is guessed from its path, and an
// import whose guessed name the reference did not use is never touched, so
// a wrong guess cannot delete a needed import.
func fixImports(name string, orig, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	of, err := parser.ParseFile(fset, name, orig, parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("parse reference %s: %w", name, err)
	}
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, fmt.Errorf("%s: handout does not parse (check the stub lines): %w", name, err)
	}
	usedBefore, usedAfter := selectorNames(of), selectorNames(f)
	// Delete the lines of the unused imports (and of an import block left
	// empty) from the text, rather than the specs from the syntax tree:
	// the printer would keep a blank line where each spec was.
	drop := map[int]bool{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		kept := 0
		for _, s := range gd.Specs {
			is := s.(*ast.ImportSpec)
			n := importName(is)
			if n != "" && usedBefore[n] && !usedAfter[n] {
				for l := fset.Position(is.Pos()).Line; l <= fset.Position(is.End()).Line; l++ {
					drop[l] = true
				}
				continue
			}
			kept++
		}
		if kept == 0 {
			for l := fset.Position(gd.Pos()).Line; l <= fset.Position(gd.End()).Line; l++ {
				drop[l] = true
			}
		}
	}
	var buf bytes.Buffer
	for i, line := range strings.SplitAfter(string(src), "\n") {
		if !drop[i+1] {
			buf.WriteString(line)
		}
	}
	out, err := format.Source(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format %s: %w", name, err)
	}
	return out, nil
}

// selectorNames collects identifiers used as pkg in pkg.Name.
func selectorNames(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}

// importName is the name an import is referred to by, or "" for imports
// that must never be removed (blank, dot, cgo).
func importName(is *ast.ImportSpec) string {
	p, err := strconv.Unquote(is.Path.Value)
	if err != nil || p == "C" {
		return ""
	}
	if is.Name != nil {
		if is.Name.Name == "_" || is.Name.Name == "." {
			return ""
		}
		return is.Name.Name
	}
	return guessName(p)
}

// guessName guesses the package name of an import path from its last
// element, the convention every package in this module follows.
func guessName(p string) string {
	base := path.Base(p)
	// math/rand/v2 is package rand; gopkg.in/yaml.v3 is package yaml.
	if len(base) > 1 && base[0] == 'v' && isDigits(base[1:]) && path.Dir(p) != "." {
		base = path.Base(path.Dir(p))
	}
	if i := strings.Index(base, ".v"); i > 0 && isDigits(base[i+2:]) {
		base = base[:i]
	}
	base = strings.TrimPrefix(base, "go-")
	return strings.ReplaceAll(base, "-", "_")
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
