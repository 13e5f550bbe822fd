package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"distlabs/test/internal/tree"
)

// defaultInfrastructure applies when the rubric names no infrastructure.
var defaultInfrastructure = []string{"labrpc", filepath.Join("test", "labtest"), filepath.Join("test", "linearize"), filepath.Join("test", "tester"), filepath.Join("test", "kvtest"), filepath.Join("test", "timeline")}

// moduleFiles are ours in every graded tree: the submission's go.mod and
// go.sum decide nothing (a replace directive could swap testify for no-op
// assertions), and one that differs from ours is refused.
var moduleFiles = []string{"go.mod", "go.sum"}

// refusal is a submission the grader will not grade, with the reason.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

// prepared is a tree ready to grade and what the TA should know about it.
type prepared struct {
	dir   string
	notes []string // about how the tree was made
	flags []string // for the TA's summary: changed protected files, suspect code
}

// prepareTree builds the tree to grade in cfg.OutDir/tree: a copy of the
// submission (or of our tree) with our tests, infrastructure, protected
// files and module files laid over, then the hidden tests. A submission
// without go.mod (a partial upload, such as raft/*.go) is laid over a copy
// of our tree. Neither source tree is modified. The scan and the
// harness-first files come once the labs to grade are known (inspectTree).
func prepareTree(cfg Config, rubric *Rubric, log io.Writer) (*prepared, error) {
	p := &prepared{dir: filepath.Join(cfg.OutDir, "tree")}
	dst := p.dir
	switch {
	case cfg.Submission == "":
		if err := copyTree(cfg.Root, dst, log); err != nil {
			return nil, err
		}
	case exists(filepath.Join(cfg.Submission, "go.mod")):
		if err := checkModuleFiles(cfg.Root, cfg.Submission); err != nil {
			return nil, err
		}
		if err := copyTree(cfg.Submission, dst, log); err != nil {
			return nil, err
		}
	default:
		if err := copyTree(cfg.Root, dst, log); err != nil {
			return nil, err
		}
		n, err := layPartial(cfg, rubric, dst)
		if err != nil {
			return nil, err
		}
		p.notes = append(p.notes, fmt.Sprintf("partial upload (no go.mod): %d file(s) laid over the course's reference tree", n))
	}
	if cfg.Submission != "" {
		if err := overlayCourseFiles(cfg.Root, dst, rubric, p); err != nil {
			return nil, err
		}
	}
	if cfg.Hidden != "" {
		if err := overlayHidden(cfg.Hidden, dst, log); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// copyTree copies src to dst without the files a graded tree must not
// take from a submission: vendored modules and workspace files (both would
// let it choose its dependencies) and compiled test binaries.
func copyTree(src, dst string, log io.Writer) error {
	fmt.Fprintf(log, "grade: copying %s to %s\n", src, dst)
	skip := func(rel string, d fs.DirEntry) bool {
		base := d.Name()
		return (d.IsDir() && rel == "vendor") || (!d.IsDir() && (base == "go.work" || base == "go.work.sum" || strings.HasSuffix(base, ".test")))
	}
	if err := tree.Copy(src, dst, skip); err != nil {
		return fmt.Errorf("copy tree: %w", err)
	}
	return nil
}

// checkModuleFiles refuses a submission whose go.mod or go.sum is not ours.
func checkModuleFiles(root, sub string) error {
	for _, name := range moduleFiles {
		ours, err := os.ReadFile(filepath.Join(root, name))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read our %s: %w", name, err)
		}
		theirs, err := os.ReadFile(filepath.Join(sub, name))
		if errors.Is(err, fs.ErrNotExist) && name == "go.sum" {
			continue // ours is used anyway
		} else if err != nil {
			return fmt.Errorf("read the submission's %s: %w", name, err)
		}
		if !bytes.Equal(normalize(ours), normalize(theirs)) {
			return &refusal{fmt.Sprintf("refused: the submission's %s differs from the course's (%s). "+
				"Submissions may not add modules, replace directives or change versions; "+
				"restore %s from the handout and resubmit.", name, firstDifference(ours, theirs), name)}
		}
	}
	return nil
}

// normalize ignores line endings and trailing blanks, which editors change.
func normalize(b []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n")) {
		out = append(append(out, bytes.TrimRight(l, " \t")...), '\n')
	}
	return bytes.TrimRight(out, "\n")
}

// firstDifference names the first line that differs, for the message.
func firstDifference(ours, theirs []byte) string {
	a := strings.Split(string(normalize(ours)), "\n")
	b := strings.Split(string(normalize(theirs)), "\n")
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if y == "" {
				return fmt.Sprintf("line %d: %q is missing", i+1, x)
			}
			return fmt.Sprintf("line %d: %q", i+1, y)
		}
	}
	return "same lines"
}

// layPartial copies a partial upload over the reference tree in dst. In
// every directory of the upload holding .go files, our files that hold
// solution code (markers) go first, so a student's raft.go does not meet
// our election.go, while the files a student receives unchanged stay
// unless the upload has its own; top-level .go files go to the package of
// LAB. It returns the file count.
func layPartial(cfg Config, rubric *Rubric, dst string) (int, error) {
	labPkg := ""
	for _, l := range rubric.Labs {
		if l.Lab == cfg.Lab {
			labPkg = filepath.Clean(l.Package)
		}
	}
	n := 0
	cleared := map[string]bool{}
	err := filepath.WalkDir(cfg.Submission, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk upload: %w", err)
		}
		if d.IsDir() {
			if d.Name() == ".git" || d.Name() == "vendor" {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(cfg.Submission, path)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		dir := filepath.Dir(rel)
		if dir == "." && strings.HasSuffix(rel, ".go") {
			if labPkg == "" {
				return &refusal{"refused: the upload has Go files at its top but no go.mod; " +
					"upload the package directories (e.g. raft/*.go) or name the lab with LAB="}
			}
			dir = labPkg
		}
		if strings.HasSuffix(rel, ".go") && !cleared[dir] {
			cleared[dir] = true
			if err := removeSolutionSource(filepath.Join(dst, dir)); err != nil {
				return err
			}
		}
		n++
		return tree.File(path, filepath.Join(dst, dir, filepath.Base(rel)))
	})
	return n, err
}

// removeSolutionSource deletes the non-test .go files of one directory
// that hold solution markers: what a handout stubs or drops.
func removeSolutionSource(dir string) error {
	return removeGo(dir, func(path string) (bool, error) {
		data, err := os.ReadFile(path)
		return bytes.Contains(data, []byte(solutionMarker)), err
	})
}

// removeGoSource deletes the non-test .go files of one directory.
func removeGoSource(dir string) error {
	return removeGo(dir, func(string) (bool, error) { return true, nil })
}

// removeGo deletes the non-test .go files of dir that match.
func removeGo(dir string, match func(path string) (bool, error)) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	for _, d := range entries {
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".go") || strings.HasSuffix(d.Name(), "_test.go") {
			continue
		}
		path := filepath.Join(dir, d.Name())
		if ok, err := match(path); err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		} else if !ok {
			continue
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove %s: %w", d.Name(), err)
		}
	}
	return nil
}

// overlayCourseFiles makes every file the course owns ours in dst: the
// module files, the graded packages' tests and testdata, the
// infrastructure directories and the labs' protected files.
func overlayCourseFiles(root, dst string, rubric *Rubric, p *prepared) error {
	for _, name := range moduleFiles {
		src := filepath.Join(root, name)
		if !exists(src) {
			// No go.sum on our side: a module without dependencies.
			if err := os.RemoveAll(filepath.Join(dst, name)); err != nil {
				return fmt.Errorf("module files: %w", err)
			}
			continue
		}
		if err := tree.File(src, filepath.Join(dst, name)); err != nil {
			return fmt.Errorf("module files: %w", err)
		}
	}
	for _, lab := range rubric.Labs {
		if err := overlayTests(filepath.Join(root, lab.Package), filepath.Join(dst, lab.Package)); err != nil {
			return fmt.Errorf("overlay tests of %s: %w", lab.Lab, err)
		}
		dropped, err := drop6824Harness(filepath.Join(dst, lab.Package))
		if err != nil {
			return fmt.Errorf("%s: %w", lab.Lab, err)
		}
		for _, name := range dropped {
			p.notes = append(p.notes, fmt.Sprintf("%s: dropped the submission's %s: it is 6.824's test harness (make_config), "+
				"whose config type collides with the suite's own harness in the same package; the suite brings its own",
				lab.Lab, path.Join(filepath.ToSlash(filepath.Clean(lab.Package)), name)))
		}
	}
	for _, d := range rubric.infrastructure() {
		if err := replaceDir(filepath.Join(root, d), filepath.Join(dst, d)); err != nil {
			return fmt.Errorf("overlay %s: %w", d, err)
		}
	}
	for _, lab := range rubric.Labs {
		for _, rel := range lab.Protected {
			if adapter, ok := lab.Adapters[rel]; ok && sameFile(filepath.Join(root, adapter), filepath.Join(dst, rel)) {
				p.notes = append(p.notes, fmt.Sprintf("%s: %s is the porting adapter %s: graded through it", lab.Lab, rel, adapter))
				continue
			}
			changed, err := replaceProtected(filepath.Join(root, rel), filepath.Join(dst, rel))
			if err != nil {
				return fmt.Errorf("protected file %s: %w", rel, err)
			}
			if changed {
				p.flags = append(p.flags, fmt.Sprintf("%s: the submission's copy of %s differed from the course's and was replaced", lab.Lab, rel))
			}
		}
	}
	return nil
}

// drop6824Harness removes from dir, a lab package of the graded tree with
// our tests already laid in, the non-test files that are a 6.824 test
// harness (they define make_config and a config type) when our tests of
// that package are in the package itself and define config too: the two
// would not compile together ("config redeclared"). Student code never
// calls into that harness (it is the tests' helper), so nothing is lost.
// Where our tests are an external _test package (raft), the course's
// config.go compiles beside them and stays. It returns the files removed.
func drop6824Harness(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	ours, theirs := false, []string{}
	for _, d := range entries {
		name := d.Name()
		if d.IsDir() || !strings.HasSuffix(name, ".go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		declares := configTypeRE.Match(src)
		switch {
		case strings.HasSuffix(name, "_test.go"):
			if declares && !externalTestRE.Match(src) {
				ours = true
			}
		case declares && bytes.Contains(src, []byte("func make_config(")):
			theirs = append(theirs, name)
		}
	}
	if !ours {
		return nil, nil
	}
	for _, name := range theirs {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	return theirs, nil
}

var (
	// configTypeRE matches a top-level declaration of the type config.
	configTypeRE = regexp.MustCompile(`(?m)^type config struct`)
	// externalTestRE matches the package clause of an external test package.
	externalTestRE = regexp.MustCompile(`(?m)^package \w+_test\s*$`)
)

// replaceProtected replaces dst by ours and reports whether it differed.
func replaceProtected(src, dst string) (bool, error) {
	st, err := os.Stat(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if st.IsDir() {
		same := sameDir(src, dst)
		return !same, replaceDir(src, dst)
	}
	ours, err := os.ReadFile(src)
	if err != nil {
		return false, err
	}
	theirs, err := os.ReadFile(dst)
	changed := err != nil || !bytes.Equal(ours, theirs)
	return changed, tree.File(src, dst)
}

// sameFile reports whether a and b are regular files with the same
// bytes (false if either cannot be read).
func sameFile(a, b string) bool {
	if st, err := os.Lstat(b); err != nil || !st.Mode().IsRegular() {
		return false
	}
	x, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	y, err := os.ReadFile(b)
	return err == nil && bytes.Equal(x, y)
}

// sameDir reports whether two directories hold the same regular files.
func sameDir(a, b string) bool {
	same := true
	count := 0
	_ = filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		count++
		rel, _ := filepath.Rel(a, path)
		x, _ := os.ReadFile(path)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			same = false
		}
		return nil
	})
	n := 0
	_ = filepath.WalkDir(b, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return same && n == count
}

// overlayTests makes dst's test files and testdata exactly ours: the
// submission's own _test.go files are removed first, so a student cannot
// weaken or add to the graded tests. Reference-only tests (first line
// //solution:file) are not carried: they use the reference's internals and
// would not compile against a student's code.
func overlayTests(src, dst string) error {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil // lab not written yet on our side
	}
	if entries, err := os.ReadDir(dst); err == nil {
		for _, d := range entries {
			if isTestFile(d) {
				if err := os.Remove(filepath.Join(dst, d.Name())); err != nil {
					return fmt.Errorf("remove submission test: %w", err)
				}
			}
		}
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	for _, d := range entries {
		if !isTestFile(d) {
			continue
		}
		path := filepath.Join(src, d.Name())
		if ref, err := referenceOnly(path); err != nil {
			return err
		} else if ref {
			continue
		}
		if err := tree.File(path, filepath.Join(dst, d.Name())); err != nil {
			return err
		}
	}
	return replaceDir(filepath.Join(src, "testdata"), filepath.Join(dst, "testdata"))
}

// solutionMarker starts every marker of the handout generator;
// solutionFileMarker is the first line of a reference-only file.
const (
	solutionMarker     = "//solution:"
	solutionFileMarker = solutionMarker + "file"
)

// referenceOnly reports whether the Go file at path is marked reference-only.
func referenceOnly(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	t := strings.TrimSpace(line)
	return t == solutionFileMarker || strings.HasPrefix(t, solutionFileMarker+" "), nil
}

// replaceDir replaces dst by a copy of src if src exists.
func replaceDir(src, dst string) error {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("remove %s: %w", dst, err)
	}
	if err := tree.Copy(src, dst, nil); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return nil
}

// overlayHidden copies the hidden tree's _test.go files and testdata
// directories into the matching packages of dst (same relative path): a
// file with the name of an existing test file replaces it, others extend the
// package. The hidden rubric.yaml is merged by the caller.
func overlayHidden(hidden, dst string, log io.Writer) error {
	n := 0
	err := filepath.WalkDir(hidden, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("walk hidden: %w", err)
		}
		rel, err := filepath.Rel(hidden, path)
		if err != nil {
			return fmt.Errorf("hidden: %w", err)
		}
		if d.IsDir() {
			if d.Name() == "testdata" {
				n++
				return filepathSkip(replaceDir(path, filepath.Join(dst, rel)))
			}
			return nil
		}
		if !isTestFile(d) {
			if rel != "rubric.yaml" {
				fmt.Fprintf(log, "grade: HIDDEN: ignoring %s (only _test.go files, testdata/ and rubric.yaml are overlaid)\n", rel)
			}
			return nil
		}
		if ref, err := referenceOnly(path); err != nil || ref {
			return err
		}
		target := filepath.Join(dst, rel)
		if st, err := os.Stat(filepath.Dir(target)); err != nil || !st.IsDir() {
			return fmt.Errorf("HIDDEN: %s has no matching package directory %s", rel, filepath.Dir(rel))
		}
		n++
		return tree.File(path, target)
	})
	if err != nil {
		return fmt.Errorf("overlay hidden tests: %w", err)
	}
	fmt.Fprintf(log, "grade: HIDDEN: overlaid %d file(s) from %s\n", n, hidden)
	return nil
}

// filepathSkip skips a directory already copied, unless copying failed.
func filepathSkip(err error) error {
	if err != nil {
		return err
	}
	return filepath.SkipDir
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// isTestFile matches the files the overlays carry.
func isTestFile(d fs.DirEntry) bool {
	return !d.IsDir() && strings.HasSuffix(d.Name(), "_test.go")
}
