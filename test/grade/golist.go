package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/build"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"distlabs/test/internal/gotest"
)

// The grader protects a prepared tree by what the go command compiles into
// each lab's test binary, not by a walk of its directories: the go command
// builds packages a walk skips (an imported package under a directory named
// _x or testdata) and ignores what stops go/build (conflicting import
// comments). So for each lab, before anything is built, `go list -deps
// -test` names every package of the binary, and with it the student code
// to scan, the packages that get the harness-first file (initorder.go) and
// the packages the grader refuses to build.

// listedPackage is the part of one `go list -json` record the grader reads.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	ForTest    string // set on a package compiled with the tests of ForTest
	Module     *struct {
		Path string
		Dir  string
		Main bool
	}
	GoFiles        []string // with ForTest set, the test files it is compiled with too
	IgnoredGoFiles []string // excluded by build constraints
	// The sources the go command hands to other tools than the Go
	// compiler.
	SFiles, CFiles, CXXFiles, HFiles, FFiles, MFiles []string
	SwigFiles, SwigCXXFiles, SysoFiles, CgoFiles     []string
	IgnoredOtherFiles                                []string
	Deps                                             []string
	Error                                            *listError
	DepsErrors                                       []*listError
}

// listError is go list's PackageError.
type listError struct {
	ImportStack []string
	Pos         string
	Err         string
}

func (e *listError) String() string {
	if e.Pos == "" {
		return e.Err
	}
	return e.Pos + ": " + e.Err
}

// listFields are the fields asked of go list; naming them spares it work
// the grader does not need (staleness).
var listFields = []string{
	"ImportPath", "Name", "Dir", "ForTest", "Module", "GoFiles", "IgnoredGoFiles",
	"SFiles", "CFiles", "CXXFiles", "HFiles", "FFiles", "MFiles", "SwigFiles", "SwigCXXFiles",
	"SysoFiles", "CgoFiles", "IgnoredOtherFiles", "Deps", "Error", "DepsErrors",
}

// ownChildren keeps gotest.KillOrphans, which kills every child of the
// process that gotest is not running, from the grader's own children (go
// list): gradings can share a process (the grader's tests run several in
// parallel), and one's sweep must not kill another's listing. A child is
// run holding it shared, the sweep holds it alone (killOrphans).
var ownChildren sync.RWMutex

// killOrphans is gotest.KillOrphans, sparing the grader's own children.
func killOrphans() {
	ownChildren.Lock()
	defer ownChildren.Unlock()
	gotest.KillOrphans()
}

// listLab returns every package the go command builds into lab's test
// binary in tree, with the environment the grader compiles with. With -e
// a package it cannot load comes back with its Error set instead of
// failing the whole listing.
func listLab(ctx context.Context, tree string, lab *Lab) ([]*listedPackage, error) {
	stdout, err := goList(ctx, tree, "-e", "-deps", "-test", "-json="+strings.Join(listFields, ","), lab.Package)
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w", lab.Package, err)
	}
	var pkgs []*listedPackage
	dec := json.NewDecoder(bytes.NewReader(stdout))
	for {
		p := new(listedPackage)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list %s: read its output: %w", lab.Package, err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs, nil
}

// goList runs `go list args...` in tree with the environment the grader
// compiles with, as one of the grader's own children (ownChildren), and
// returns its standard output; an error carries its standard error.
func goList(ctx context.Context, tree string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), compileEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	ownChildren.RLock()
	err := cmd.Run()
	ownChildren.RUnlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return stdout.Bytes(), nil
}

// plainPath is a package's import path without the " [x.test]" suffix
// go list gives a package compiled for a test.
func plainPath(p *listedPackage) string {
	path, _, _ := strings.Cut(p.ImportPath, " ")
	return path
}

// studentRel returns the directory of p relative to the module root if p
// is student code: a package of the tree's own module outside the
// infrastructure and the harness, which are ours. The testmain the go
// command generates is not.
func studentRel(p *listedPackage, module, harness string, infra []string) (string, bool) {
	if p.Module == nil || !p.Module.Main || p.Module.Path != module || p.Dir == "" {
		return "", false
	}
	if p.Name == "main" && p.ForTest == "" && strings.HasSuffix(p.ImportPath, ".test") {
		return "", false // the generated testmain
	}
	rel, err := filepath.Rel(p.Module.Dir, p.Dir)
	if err != nil || !filepath.IsLocal(rel) {
		return "", false
	}
	for _, d := range append([]string{harness}, infra...) {
		d = filepath.Clean(d)
		if rel == d || strings.HasPrefix(rel, d+string(filepath.Separator)) {
			return "", false
		}
	}
	return rel, true
}

// listErrors returns go list's errors for any package of the listing, each
// once, naming the package.
func listErrors(pkgs []*listedPackage) []string {
	var out []string
	seen := map[string]bool{}
	add := func(pkg string, e *listError) {
		msg := fmt.Sprintf("package %s: %s", pkg, e)
		if strings.Contains(e.Err, pkg) {
			msg = e.String() // the error names the package already
		}
		if !seen[e.String()] {
			seen[e.String()] = true
			out = append(out, msg)
		}
	}
	for _, p := range pkgs {
		if p.Error != nil {
			add(plainPath(p), p.Error)
		}
	}
	// A dependency's error is also its own record's Error, reported above;
	// DepsErrors can name one whose record is missing.
	for _, p := range pkgs {
		for _, e := range p.DepsErrors {
			pkg := plainPath(p)
			if n := len(e.ImportStack); n > 0 {
				pkg = e.ImportStack[n-1]
			}
			add(pkg, e)
		}
	}
	return out
}

// nonGoExts are the source files go/build hands to other tools than the
// Go compiler (its fileListForExt).
var nonGoExts = []string{".c", ".cc", ".cpp", ".cxx", ".m", ".h", ".hh", ".hpp", ".hxx",
	".f", ".F", ".for", ".f90", ".s", ".S", ".sx", ".swig", ".swigcxx", ".syso"}

// nonGoSources lists the files of a student package that are not Go, or
// are cgo: assembly and .syso objects are linked into the test binary
// without passing through the Go compiler, so neither the harness-first
// import nor the scan can speak for them. With cgo off the go command
// drops C, C++, Objective-C and SWIG files from its lists without a word
// (they are not built), so the directory is read for them as well: the
// rule is then simply that a submission's packages hold Go files only.
func nonGoSources(p *listedPackage) ([]string, error) {
	files := slices.Concat(p.SFiles, p.CFiles, p.CXXFiles, p.HFiles, p.FFiles, p.MFiles,
		p.SwigFiles, p.SwigCXXFiles, p.SysoFiles, p.CgoFiles, p.IgnoredOtherFiles)
	entries, err := os.ReadDir(p.Dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p.Dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() && slices.Contains(nonGoExts, filepath.Ext(e.Name())) {
			files = append(files, e.Name())
		}
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

// inspection is what the go command's view of a prepared tree decided.
type inspection struct {
	refused map[*Lab]error // labs not to build, each with its *refusal
	flags   []string       // for the TA
}

// inspectTree lists what each lab's test binary is built from (one go list
// per lab, nothing compiled), refuses the labs that would build code the
// grader cannot vouch for, scans the submission's compiled Go files (with
// cfg.Submission set) and adds the harness-first file to every student
// package. A lab it refuses scores 0 with the reason; the others grade.
func inspectTree(ctx context.Context, cfg Config, rubric *Rubric, tree string, labs []*Lab, log io.Writer) (*inspection, error) {
	module, err := modulePath(filepath.Join(tree, "go.mod"))
	if err != nil {
		return nil, err
	}
	harness := rubric.harnessDir()
	harnessPath := module + "/" + filepath.ToSlash(filepath.Clean(harness))
	infra := rubric.infrastructure()
	ours := []string{cfg.Root}
	if cfg.Hidden != "" {
		ours = append(ours, cfg.Hidden)
	}
	ins := &inspection{refused: map[*Lab]error{}}
	var (
		compiled    []string                      // student Go files, relative to the tree
		targets     = map[string]*listedPackage{} // by directory: student packages to import the harness
		harnessDeps = map[string]bool{}
	)
	for _, lab := range labs {
		pkgs, err := listLab(ctx, tree, lab)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("list %s: %w", lab.Lab, ctx.Err())
			}
			ins.refuse(lab, "build refused: the go command cannot list the lab's packages: "+err.Error(), log)
			continue
		}
		problems := listErrors(pkgs)
		var nonGo, tagged []string
		for _, p := range pkgs {
			if plainPath(p) == harnessPath {
				for _, d := range p.Deps {
					harnessDeps[d] = true
				}
			}
			rel, ok := studentRel(p, module, harness, infra)
			if !ok {
				continue
			}
			for _, f := range p.GoFiles {
				if !filepath.IsAbs(f) {
					compiled = append(compiled, filepath.Join(rel, f))
				}
			}
			files, err := nonGoSources(p)
			if err != nil {
				return nil, err
			}
			for _, f := range files {
				nonGo = append(nonGo, filepath.ToSlash(filepath.Join(rel, f)))
			}
			for _, f := range p.IgnoredGoFiles {
				if strings.HasSuffix(f, "_test.go") && p.ForTest == "" {
					continue // a dependency's tests are built by no graded build
				}
				f = filepath.Join(rel, f)
				if ok, err := portedOnly(tree, ours, f); err != nil {
					return nil, err
				} else if ok {
					tagged = append(tagged, filepath.ToSlash(f))
				}
			}
			if p.Error == nil && p.Name != "main" && !strings.HasSuffix(p.Name, "_test") &&
				slices.ContainsFunc(p.GoFiles, func(f string) bool { return !strings.HasSuffix(f, "_test.go") }) {
				targets[p.Dir] = p
			}
		}
		slices.Sort(nonGo)
		slices.Sort(tagged)
		switch {
		case len(problems) > 0:
			ins.refuse(lab, "build refused: "+strings.Join(problems, "\n"), log)
		case len(nonGo) > 0:
			ins.refuse(lab, fmt.Sprintf("build refused: assembly/C/syso sources are not allowed in submissions: %s; no lab needs them",
				strings.Join(slices.Compact(nonGo), ", ")), log)
		case len(tagged) > 0:
			ins.refuse(lab, fmt.Sprintf("build refused: %s built only with -tags %s, the grader's own tag for its retry build; "+
				"submissions may not use it", strings.Join(slices.Compact(tagged), ", "), portedTag), log)
		}
	}
	if cfg.Submission != "" {
		flags, err := scanSubmission(ours, tree, rubric, compiled)
		if err != nil {
			return nil, err
		}
		ins.flags = append(ins.flags, flags...)
	}
	dirs := slices.Sorted(maps.Keys(targets))
	for _, dir := range dirs {
		p := targets[dir]
		if harnessDeps[plainPath(p)] {
			// Importing the harness from a package the harness imports
			// would be a cycle; such a package is initialised before the
			// harness whatever the grader does.
			ins.flags = append(ins.flags, fmt.Sprintf("%s: not made to import the harness, which imports it: "+
				"its package-level code runs before the harness takes the nonce (the rubric should list it as infrastructure)", plainPath(p)))
			continue
		}
		if err := writeHarnessFirst(dir, p.Name, harnessPath); err != nil {
			return nil, err
		}
	}
	return ins, nil
}

// refuse records that lab is not built, why, and a line for the TA.
func (ins *inspection) refuse(lab *Lab, msg string, log io.Writer) {
	fmt.Fprintf(log, "grade: %s: %s\n", lab.Lab, firstLine(msg))
	ins.refused[lab] = &refusal{msg}
	ins.flags = append(ins.flags, fmt.Sprintf("%s: its tests score 0: %s", lab.Lab, strings.ReplaceAll(msg, "\n", "; ")))
}

// portedOnly reports whether the Go file rel of tree, which the default
// build leaves out, is one that a build with portedTag compiles. The
// grader lists each lab once, without the tag, so code that only the
// retry build (compileLab) compiles would be neither scanned nor made to
// import the harness. go/build decides as the go command does. Files
// identical to ours are not the submission's.
func portedOnly(tree string, ours []string, rel string) (bool, error) {
	path := filepath.Join(tree, rel)
	src, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", rel, err)
	}
	if _, same := ourCopy(ours, rel, src); same {
		return false, nil
	}
	ctx := build.Default
	ctx.CgoEnabled = false // as compileEnv
	ctx.BuildTags = []string{portedTag}
	// A header MatchFile cannot read fails the tagged build too.
	ok, err := ctx.MatchFile(filepath.Dir(path), filepath.Base(path))
	return ok && err == nil, nil
}

// ourCopy returns the file at rel in the first of ours (the course's
// trees: the reference, the hidden tests) that has one, and whether any of
// them holds exactly src.
func ourCopy(ours []string, rel string, src []byte) ([]byte, bool) {
	var first []byte
	for _, root := range ours {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			continue
		}
		if bytes.Equal(data, src) {
			return data, true
		}
		if first == nil {
			first = data
		}
	}
	return first, false
}
