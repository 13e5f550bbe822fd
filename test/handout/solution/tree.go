package solution

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"distlabs/test/internal/tree"
)

// Stats summarises a generated handout.
type Stats struct {
	Files   int      // Go files that had markers
	Regions int      // regions replaced or removed
	Kept    int      // regions kept for parts through Options.UpTo
	Dropped []string // solution-only files
	// Excluded are the files ExcludeFile kept out, ExcludeFile included.
	Excluded []string
	// Untracked is set when src is not a git work tree: every file was
	// copied, build outputs and data included, not only the tracked ones.
	Untracked bool
	// StaffSections counts the staff-only sections dropped from Markdown
	// files (markdown.go).
	StaffSections int
}

// Generate writes the handout of the tree src into dst, which must not
// exist or be empty. Only the files git tracks are copied (so build outputs
// and quick-start data never ship); a tree that is not a git work tree is
// copied whole. Every .go file goes through StripFile (a dropped file takes
// the directories it leaves empty with it), every .md file through
// StripStaff; all marker errors are
// reported together. An Options.UpTo that no marker of the tree carries is
// an error naming the parts that exist.
func Generate(src, dst string, opt Options) (Stats, error) {
	var st Stats
	src, err := filepath.Abs(src)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	dst, err = filepath.Abs(dst)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 {
		return st, fmt.Errorf("handout: output directory %s is not empty", dst)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return st, fmt.Errorf("handout: %w", err)
	}
	files, tracked, err := sourceFiles(src, dst)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	st.Untracked = !tracked
	files, excluded, err := dropExcluded(src, files)
	if err != nil {
		return st, fmt.Errorf("handout: %w", err)
	}
	st.Excluded = excluded
	if opt.UpTo != "" {
		if opt, err = scopeUpTo(src, files, opt); err != nil {
			return st, fmt.Errorf("handout: %w", err)
		}
	}
	for _, rel := range files {
		if err := tree.File(filepath.Join(src, rel), filepath.Join(dst, rel)); err != nil {
			return st, fmt.Errorf("handout: %w", err)
		}
	}

	var errs []error
	for _, rel := range files {
		if strings.HasSuffix(rel, ".md") {
			n, err := stripMarkdown(filepath.Join(dst, rel), rel)
			if err != nil {
				errs = append(errs, err)
			}
			st.StaffSections += n
			continue
		}
		if !strings.HasSuffix(rel, ".go") {
			continue
		}
		if err := stripInPlace(filepath.Join(dst, rel), rel, opt, &st); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return st, fmt.Errorf("handout: %w", errors.Join(errs...))
	}
	return st, nil
}

// scopeUpTo validates opt.UpTo against the markers of files and, for a
// scoped UpTo ("pbkv:B"), sets the directories it applies to: the named
// one and those of the module's packages it imports, transitively.
func scopeUpTo(src string, files []string, opt Options) (Options, error) {
	scope, part := opt.splitUpTo()
	parts, err := markerParts(src, files)
	if err != nil {
		return opt, err
	}
	if !slices.Contains(parts, strings.ToUpper(part)) {
		return opt, fmt.Errorf("unknown part %q (UPTO); the markers of %s tag these parts: %s",
			part, src, strings.Join(parts, " "))
	}
	if scope == "" {
		if lettered(part) {
			return opt, fmt.Errorf("part %q (UPTO) is lettered, and lettered parts are per lab: name the lab, "+
				"e.g. UPTO=viewservice:A, UPTO=pbkv:B, UPTO=paxos:A or UPTO=paxos/kvpaxos:B", part)
		}
		return opt, nil
	}
	dirs, err := importClosure(src, files, scope)
	if err != nil {
		return opt, fmt.Errorf("UPTO=%s: %w", opt.UpTo, err)
	}
	opt.dirs = dirs
	return opt, nil
}

// importClosure returns dir and the directories of the module packages its
// non-test Go files import, transitively (slash-separated, relative to src).
func importClosure(src string, files []string, dir string) (map[string]bool, error) {
	modData, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return nil, err
	}
	module := modfileModule(modData)
	if module == "" {
		return nil, fmt.Errorf("no module line in %s", filepath.Join(src, "go.mod"))
	}
	byDir := map[string][]string{} // package dir -> its non-test Go files
	for _, rel := range files {
		rel = filepath.ToSlash(rel)
		if strings.HasSuffix(rel, ".go") && !strings.HasSuffix(rel, "_test.go") {
			byDir[path.Dir(rel)] = append(byDir[path.Dir(rel)], rel)
		}
	}
	if len(byDir[dir]) == 0 {
		return nil, fmt.Errorf("no Go package in directory %q", dir)
	}
	seen := map[string]bool{}
	queue := []string{dir}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		if seen[d] {
			continue
		}
		seen[d] = true
		for _, rel := range byDir[d] {
			f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(src, rel), nil, parser.ImportsOnly)
			if err != nil {
				return nil, err
			}
			for _, imp := range f.Imports {
				p, err := strconv.Unquote(imp.Path.Value)
				if err == nil && strings.HasPrefix(p, module+"/") {
					queue = append(queue, strings.TrimPrefix(p, module+"/"))
				}
			}
		}
	}
	return seen, nil
}

// modfileModule returns the module path of a go.mod file's contents.
func modfileModule(data []byte) string {
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// stripInPlace applies the markers of the copied file p (rel to the tree).
func stripInPlace(p, rel string, opt Options, st *Stats) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	if !bytes.Contains(data, []byte(markerPrefix)) {
		return nil
	}
	res, err := StripFile(rel, data, opt)
	if err != nil {
		return err
	}
	switch {
	case res.Drop:
		st.Dropped = append(st.Dropped, rel)
		if err := os.Remove(p); err != nil {
			return err
		}
		return removeEmptyDirs(p, rel)
	case res.Regions > 0 || res.Kept > 0:
		st.Files++
		st.Regions += res.Regions
		st.Kept += res.Kept
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, res.Src, info.Mode().Perm()|0o600)
	}
	return nil
}

// removeEmptyDirs removes the directories of the dropped file p (rel to the
// tree) that it leaves empty, innermost first: a directory whose files are
// all reference-only must not ship as an empty shell that tells students
// where the solution lived.
func removeEmptyDirs(p, rel string) error {
	dir := filepath.Dir(p)
	for d := filepath.Dir(rel); d != "." && d != string(filepath.Separator); d = filepath.Dir(d) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return err
		}
		if len(entries) > 0 {
			return nil
		}
		if err := os.Remove(dir); err != nil {
			return err
		}
		dir = filepath.Dir(dir)
	}
	return nil
}

// sourceFiles lists the regular files of src to copy, relative to src: the
// files git tracks under src (tracked is true), or, when src is not inside
// a git work tree or git tracks nothing there, every file except .git
// directories, compiled test binaries and the output directory dst.
func sourceFiles(src, dst string) (files []string, tracked bool, err error) {
	cmd := exec.Command("git", "-C", src, "ls-files", "-z", "--cached")
	if out, gitErr := cmd.Output(); gitErr == nil {
		for _, rel := range strings.Split(string(out), "\x00") {
			if rel == "" {
				continue
			}
			rel = filepath.FromSlash(rel)
			// A tracked file deleted in the work tree, a symbolic link or
			// a submodule is not copied.
			if info, err := os.Lstat(filepath.Join(src, rel)); err != nil || !info.Mode().IsRegular() {
				continue
			}
			if within(filepath.Join(src, rel), dst) {
				continue
			}
			files = append(files, rel)
		}
		if len(files) > 0 {
			return files, true, nil
		}
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || p == dst) {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() || strings.HasSuffix(p, ".test") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("list %s: %w", src, err)
	}
	return files, false, nil
}

// ExcludeFile, at the root of the reference tree, lists the files and
// directories that never ship, one slash-separated path relative to the
// root per line ('#' starts a comment): material other than Go files that
// shows reference code, such as the mutant patches, whose context lines
// are the solution. The list itself is not shipped either.
const ExcludeFile = ".handout-exclude"

// dropExcluded removes from files (relative to src) those ExcludeFile
// names, and ExcludeFile itself; it returns what is left and what went.
func dropExcluded(src string, files []string) (kept, dropped []string, err error) {
	data, err := os.ReadFile(filepath.Join(src, ExcludeFile))
	if errors.Is(err, fs.ErrNotExist) {
		return files, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", ExcludeFile, err)
	}
	excl := []string{ExcludeFile}
	for i, line := range strings.Split(string(data), "\n") {
		if j := strings.IndexByte(line, '#'); j >= 0 {
			line = line[:j]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		clean := path.Clean(line)
		if path.IsAbs(clean) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, nil, fmt.Errorf("%s:%d: %q is not a path inside the tree", ExcludeFile, i+1, line)
		}
		if strings.ContainsAny(clean, `\*?[`) {
			return nil, nil, fmt.Errorf("%s:%d: %q: write a plain slash-separated path (no backslashes, no patterns)", ExcludeFile, i+1, line)
		}
		excl = append(excl, clean)
	}
	used := make([]bool, len(excl))
	for _, rel := range files {
		slash := filepath.ToSlash(rel)
		hit := false
		for j, e := range excl {
			if slash == e || strings.HasPrefix(slash, e+"/") {
				used[j], hit = true, true
			}
		}
		if hit {
			dropped = append(dropped, rel)
		} else {
			kept = append(kept, rel)
		}
	}
	// A line that matches nothing is a typo or a stale entry: the material
	// it meant to keep out may ship under another name.
	for j, e := range excl[1:] {
		if !used[j+1] {
			return nil, nil, fmt.Errorf("%s: %q matches no file of the tree", ExcludeFile, e)
		}
	}
	return kept, dropped, nil
}

// within reports whether p is dir or lies inside it.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// markerParts returns the part tags carried by the markers of the Go files
// among files (relative to src), upper-cased and in PartLess order. Fixtures
// under testdata directories do not count: their parts are not the course's.
func markerParts(src string, files []string) ([]string, error) {
	seen := map[string]bool{}
	for _, rel := range files {
		if !strings.HasSuffix(rel, ".go") || slices.Contains(strings.Split(filepath.ToSlash(rel), "/"), "testdata") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(data, []byte(markerPrefix)) {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			// Marker errors are reported with positions by StripFile.
			if d, ok, err := parseDirective(line); ok && err == nil && d.part != "" {
				seen[strings.ToUpper(d.part)] = true
			}
		}
	}
	parts := make([]string, 0, len(seen))
	for p := range seen {
		parts = append(parts, p)
	}
	slices.SortFunc(parts, func(a, b string) int {
		switch {
		case PartLess(a, b):
			return -1
		case PartLess(b, a):
			return 1
		}
		return 0
	})
	return parts, nil
}

// Verify runs `go build ./...` and `go vet ./...` in the handout dir.
func Verify(ctx context.Context, dir string) error {
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("handout: go %s in %s: %w\n%s", strings.Join(args, " "), dir, err, bytes.TrimSpace(out))
		}
	}
	return nil
}

// FindMarkers lists "file:line" of every marker line left in dir's Go files.
func FindMarkers(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".go") || strings.HasSuffix(p, ".md")) {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if md := strings.HasSuffix(p, ".md"); (!md && strings.HasPrefix(line, markerPrefix)) || (md && (line == staffBegin || line == staffEnd || line == handoutBegin)) {
				found = append(found, fmt.Sprintf("%s:%d", p, n))
			}
		}
		return sc.Err()
	})
	if err != nil {
		return found, fmt.Errorf("scan for markers: %w", err)
	}
	return found, nil
}
