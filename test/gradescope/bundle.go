package main

import (
	"archive/zip"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/tree"
)

var (
	//go:embed files/setup.sh
	setupScript []byte
	//go:embed files/run_autograder
	runScript []byte
)

func bundleMain(args []string) error {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	lab := fs.String("lab", os.Getenv("LAB"), "the lab to grade, as in test/rubric.yaml (LAB; required)")
	part := fs.String("part", os.Getenv("PART"), "grade only this part (PART)")
	seeds := fs.Int("seeds", envInt("SEEDS", 3), "seeds per test, all must pass (SEEDS)")
	hidden := fs.String("hidden", os.Getenv("HIDDEN"), "a hidden test tree to include, as make grade HIDDEN= takes (HIDDEN)")
	out := fs.String("out", os.Getenv("OUT"), "the bundle directory to write; must not exist or be empty (OUT; required); DIR.zip is written beside it")
	verify := fs.Bool("verify", true, "check that the handout in the bundle builds and vets")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *lab == "":
		return badArgs{fmt.Errorf("bundle: -lab is required (make gradescope LAB=raft OUT=dir)")}
	case *out == "":
		return badArgs{fmt.Errorf("bundle: -out is required (make gradescope LAB=raft OUT=dir)")}
	case *seeds < 1:
		return badArgs{fmt.Errorf("bundle: -seeds %d: want at least 1", *seeds)}
	}
	root, err := tree.ModuleRoot(".")
	if err != nil {
		return err
	}
	st, err := labSettings(filepath.Join(root, "test", "rubric.yaml"), *lab, *part)
	if err != nil {
		return badArgs{err}
	}
	st.Seeds, st.Hidden = *seeds, *hidden != ""
	if err := writeBundle(root, *out, st, *hidden, *verify); err != nil {
		return err
	}
	fmt.Printf("gradescope: %s: autograder for %s (part %q, %d seeds per test); upload %s.zip\n",
		*out, st.Lab, st.Part, st.Seeds, *out)
	return nil
}

// labSettings looks lab (and part) up in the rubric.
func labSettings(rubric, lab, part string) (settings, error) {
	data, err := os.ReadFile(rubric)
	if err != nil {
		return settings{}, err
	}
	var r struct {
		Labs []struct {
			Lab     string `yaml:"lab"`
			Package string `yaml:"package"`
			Tests   []struct {
				Part string `yaml:"part"`
			} `yaml:"tests"`
		} `yaml:"labs"`
	}
	if err := yaml.Unmarshal(data, &r); err != nil {
		return settings{}, fmt.Errorf("%s: %w", rubric, err)
	}
	var names []string
	for _, l := range r.Labs {
		names = append(names, l.Lab)
		if l.Lab != lab {
			continue
		}
		var parts []string
		for _, t := range l.Tests {
			if !slices.Contains(parts, t.Part) {
				parts = append(parts, t.Part)
			}
		}
		if part != "" && !slices.Contains(parts, part) {
			return settings{}, fmt.Errorf("lab %s has no part %q (parts: %q)", lab, part, parts)
		}
		return settings{Lab: lab, Package: filepath.ToSlash(filepath.Clean(l.Package)), Part: part}, nil
	}
	return settings{}, fmt.Errorf("no lab %q in %s (labs: %s)", lab, rubric, strings.Join(names, " "))
}

// writeBundle writes the bundle directory out and out.zip.
func writeBundle(root, out string, st settings, hidden string, verify bool) error {
	if err := copyKit(root, out); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	if verify {
		if err := solution.Verify(context.Background(), out); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
	}
	if hidden != "" {
		if err := tree.Copy(hidden, filepath.Join(out, hiddenDir), nil); err != nil {
			return fmt.Errorf("bundle: hidden tests: %w", err)
		}
	}
	js, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"setup.sh", setupScript, 0o755},
		{"run_autograder", runScript, 0o755},
		{settingsFile, append(js, '\n'), 0o644},
		{envFile, []byte("# shell lines setup.sh adds for run_autograder\n"), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(out, f.name), f.data, f.mode); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
	}
	return zipDir(out, filepath.Clean(out)+".zip")
}

// zipDir writes every file under dir to the zip file dst, named relative to
// dir, keeping the executable bits.
func zipDir(dir, dst string) (err error) {
	f, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("bundle: %w", cerr)
		}
	}()
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		h, err := zip.FileInfoHeader(info)
		if err != nil {
			return err
		}
		h.Name, h.Method = filepath.ToSlash(rel), zip.Deflate
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close() // read-only
		_, err = io.Copy(w, src)
		return err
	})
	if err != nil {
		return fmt.Errorf("bundle: zip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("bundle: zip: %w", err)
	}
	return nil
}

// copyKit copies the files git tracks in root to out (which must not exist
// or be empty), as they are in the work tree.
func copyKit(root, out string) error {
	if entries, err := os.ReadDir(out); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", out)
	}
	list, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached").Output()
	if err != nil {
		return fmt.Errorf("git ls-files in %s: %w (the bundle is made from a git checkout)", root, err)
	}
	for _, rel := range strings.Split(string(list), "\x00") {
		if rel == "" {
			continue
		}
		from := filepath.Join(root, filepath.FromSlash(rel))
		if info, err := os.Lstat(from); err != nil || !info.Mode().IsRegular() {
			continue // deleted in the work tree, a link or a submodule
		}
		if err := tree.File(from, filepath.Join(out, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	return nil
}

// envInt is the integer in the environment variable name, or def.
func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err != nil {
		return def
	}
	return n
}
