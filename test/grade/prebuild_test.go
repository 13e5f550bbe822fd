package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestColdBuildShowsProgress: while the packages a lab's tests import
// compile, the grader names them with a count (issue 26: a cold `make
// grade` printed two lines in eleven minutes). A dependency with source
// no build has seen stands in for a cold cache: the go command must
// compile it, and the log must say so before the lab's own build line.
func TestColdBuildShowsProgress(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// The constant makes the package new to the shared build cache, so it
	// is compiled in this run whatever ran before.
	files := map[string]string{
		"go.mod":          "module coldfix\n\ngo 1.26.0\n",
		"dep/dep.go":      fmt.Sprintf("// Package dep is new to the build cache.\npackage dep\n\n// Stamp differs in every run.\nconst Stamp = %d\n", time.Now().UnixNano()),
		"lab/lab.go":      "// Package lab imports dep.\npackage lab\n\nimport \"coldfix/dep\"\n\n// Stamp is dep's.\nfunc Stamp() int64 { return dep.Stamp }\n",
		"lab/lab_test.go": "package lab\n\nimport \"testing\"\n\nfunc TestStamp(t *testing.T) {\n\tif Stamp() == 0 {\n\t\tt.Fatal(\"no stamp\")\n\t}\n}\n",
		"rubric.yaml":     "labs:\n  - lab: lab\n    package: ./lab\n    timeout: 60s\n    tests:\n      - {name: TestStamp, points: 1}\n",
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{Root: root, Rubric: filepath.Join(root, "rubric.yaml"), Seeds: 1, Jobs: 1, OutDir: t.TempDir(), Isolation: "none"}
	var log bytes.Buffer
	// The score does not matter here (the test does not run through a
	// harness, so it fails for want of a verdict); the log does.
	if _, err := Grade(context.Background(), cfg, &log); err != nil {
		t.Fatalf("Grade: %v\n%s", err, log.String())
	}
	text := log.String()
	line := regexp.MustCompile(`(?m)^grade: compiling \((\d+)/(\d+)\) coldfix/dep$`).FindStringIndex(text)
	if line == nil {
		t.Fatalf("no progress line names coldfix/dep while it compiles:\n%s", text)
	}
	if b := strings.Index(text, "grade: building lab"); b >= 0 && b < line[0] {
		t.Errorf("the progress line comes after the lab's build started:\n%s", text)
	}
	if !regexp.MustCompile(`(?m)^grade: compiled \d+ of \d+ package\(s\) in `).MatchString(text) {
		t.Errorf("no summary line after the packages compiled:\n%s", text)
	}
}

// TestProgressLinesAreSpaced: the lines of a few hundred quick compiles
// are thinned to one per interval, but the first and the last package
// always show, and lines that do not name a wanted package (compile
// errors, packages the count did not include) never count.
func TestProgressLinesAreSpaced(t *testing.T) {
	t.Parallel()
	want := map[string]bool{"a": true, "b": true, "c": true}
	in := "a\n# b\nb.go:1: error\nb\nunrelated\nb\nc\n"
	var log bytes.Buffer
	n := countCompiled(strings.NewReader(in), want, 3, &log, time.Hour)
	if n != 3 {
		t.Errorf("counted %d packages, want 3", n)
	}
	if got, wantLog := log.String(), "grade: compiling (1/3) a\ngrade: compiling (3/3) c\n"; got != wantLog {
		t.Errorf("log:\n%s\nwant:\n%s", got, wantLog)
	}
}
