package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"distlabs/test/internal/tree"
)

// infraDirs are course infrastructure that a submission must not be able to
// change: with SUBMISSION they are replaced wholesale by ours (when we have
// them), like the graded packages' test files.
var infraDirs = []string{"labrpc", filepath.Join("test", "labtest"), filepath.Join("test", "linearize")}

// prepareTree builds the tree to grade in cfg.OutDir/tree: a copy of the
// submission (or of our tree) with our tests and then the hidden tests
// overlaid. Neither source tree is modified.
func prepareTree(cfg Config, rubric *Rubric, log io.Writer) (string, error) {
	dst := filepath.Join(cfg.OutDir, "tree")
	src := cfg.Root
	if cfg.Submission != "" {
		src = cfg.Submission
		if _, err := os.Stat(filepath.Join(src, "go.mod")); err != nil {
			return "", fmt.Errorf("SUBMISSION=%s: %w", src, errNoModule)
		}
	}
	fmt.Fprintf(log, "grade: copying %s to %s\n", src, dst)
	if err := tree.Copy(src, dst, nil); err != nil {
		return "", fmt.Errorf("copy tree: %w", err)
	}
	if cfg.Submission != "" {
		for _, lab := range rubric.Labs {
			if err := overlayTests(filepath.Join(cfg.Root, lab.Package), filepath.Join(dst, lab.Package)); err != nil {
				return "", fmt.Errorf("overlay tests of %s: %w", lab.Lab, err)
			}
		}
		for _, d := range infraDirs {
			if err := replaceDir(filepath.Join(cfg.Root, d), filepath.Join(dst, d)); err != nil {
				return "", fmt.Errorf("overlay %s: %w", d, err)
			}
		}
	}
	if cfg.Hidden != "" {
		if err := overlayHidden(cfg.Hidden, dst, log); err != nil {
			return "", err
		}
	}
	return dst, nil
}

// overlayTests makes dst's test files and testdata exactly ours: the
// submission's own _test.go files are removed first, so a student cannot
// weaken or add to the graded tests.
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
		if isTestFile(d) {
			if err := tree.File(filepath.Join(src, d.Name()), filepath.Join(dst, d.Name())); err != nil {
				return err
			}
		}
	}
	return replaceDir(filepath.Join(src, "testdata"), filepath.Join(dst, "testdata"))
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

// errNoModule explains a SUBMISSION that is not a Go module tree.
var errNoModule = errors.New("no go.mod at its top")

// isTestFile matches the files the overlays carry.
func isTestFile(d fs.DirEntry) bool {
	return !d.IsDir() && strings.HasSuffix(d.Name(), "_test.go")
}
