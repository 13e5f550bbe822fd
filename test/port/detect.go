package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// course is the skeleton a tree was written for.
type course int

const (
	course2015 course = iota + 1
	course2022
)

func (c course) String() string {
	if c == course2022 {
		return "6.824 (2022)"
	}
	return "6.824 (2015)"
}

// pkgDir is one student package found in the source tree.
type pkgDir struct {
	name string // the course's package name: "pbservice"
	src  string // its directory in the source tree
	dst  string // our directory for it, slash-separated: "pbkv"
}

// known2015 and known2022 map each course package to our directory. The
// two shardkv labs differ in what they import (2015: shardmaster over
// Paxos; 2022: shardctrler over Raft), which decides the course.
var (
	known2015 = map[string]string{
		"viewservice": "viewservice",
		"pbservice":   "pbkv",
		"paxos":       "paxos",
		"kvpaxos":     "paxos/kvpaxos",
		"shardmaster": "paxos/shardmaster",
		"shardkv":     "paxos/shardkv",
	}
	known2022 = map[string]string{
		"raft":        "raft",
		"kvraft":      "raft/kvraft",
		"shardctrler": "shardkv/shardctrler",
		"shardkv":     "shardkv",
	}
)

// detect finds the course packages under root: the shallowest directory
// named after each, whose Go files declare that package. It decides the
// course from the package names and, for shardkv, from its imports.
func detect(root string) (course, []pkgDir, []string, error) {
	found := map[string]string{}
	var notes []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "vendor" || name == "testdata") {
			return filepath.SkipDir
		}
		if _, ok := known2015[name]; !ok {
			if _, ok := known2022[name]; !ok {
				return nil
			}
		}
		if pkg, ok := packageName(path); !ok || pkg != name {
			return nil
		}
		if prev, ok := found[name]; ok {
			notes = append(notes, fmt.Sprintf("%s: a second package %s, ignored (using %s)", path, name, prev))
			return filepath.SkipDir
		}
		found[name] = path
		return filepath.SkipDir
	})
	if err != nil {
		return 0, nil, nil, fmt.Errorf("walking %s: %w", root, err)
	}
	c, err := decideCourse(found)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s: %w", root, err)
	}
	table := known2015
	if c == course2022 {
		table = known2022
	}
	var pkgs []pkgDir
	for name, dir := range found {
		dst, ok := table[name]
		if !ok {
			notes = append(notes, fmt.Sprintf("%s: package %s belongs to the other course's labs, skipped", dir, name))
			continue
		}
		pkgs = append(pkgs, pkgDir{name: name, src: dir, dst: dst})
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].dst < pkgs[j].dst })
	return c, pkgs, notes, nil
}

// decideCourse: a tree with any package only 2015 had (or a shardkv that
// imports shardmaster) is 2015; one with raft, kvraft or shardctrler is
// 2022; a tree with both is refused rather than guessed.
func decideCourse(found map[string]string) (course, error) {
	is2015, is2022 := false, false
	for name, dir := range found {
		switch name {
		case "viewservice", "pbservice", "paxos", "kvpaxos", "shardmaster":
			is2015 = true
		case "raft", "kvraft", "shardctrler":
			is2022 = true
		case "shardkv":
			imports, err := dirImports(dir)
			if err != nil {
				return 0, err
			}
			for _, p := range imports {
				switch lastElem(p) {
				case "shardmaster", "paxos":
					is2015 = true
				case "shardctrler", "raft":
					is2022 = true
				}
			}
		}
	}
	switch {
	case is2015 && is2022:
		return 0, fmt.Errorf("holds packages of both the 2015 and the 2022 labs; port each from a directory of its own")
	case is2015:
		return course2015, nil
	case is2022:
		return course2022, nil
	}
	return 0, fmt.Errorf("no 6.824 package found (looked for %s)", strings.Join(knownNames(), ", "))
}

func knownNames() []string {
	var names []string
	for n := range known2015 {
		names = append(names, n)
	}
	for n := range known2022 {
		if _, dup := known2015[n]; !dup {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// goFiles lists the non-test Go files of dir, by name.
func goFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			files = append(files, n)
		}
	}
	return files, nil
}

// packageName is the package clause of dir's first Go file that parses.
func packageName(dir string) (string, bool) {
	files, err := goFiles(dir)
	if err != nil {
		return "", false
	}
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, f), nil, parser.PackageClauseOnly)
		if err == nil {
			return af.Name.Name, true
		}
	}
	return "", false
}

// dirImports lists the import paths of dir's non-test Go files.
func dirImports(dir string) ([]string, error) {
	files, err := goFiles(dir)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		af, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, f), nil, parser.ImportsOnly)
		if err != nil {
			continue // the port reports it when it parses the file in full
		}
		for _, imp := range af.Imports {
			if p, err := strconv.Unquote(imp.Path.Value); err == nil {
				paths = append(paths, p)
			}
		}
	}
	return paths, nil
}

func lastElem(path string) string {
	return path[strings.LastIndex(path, "/")+1:]
}
