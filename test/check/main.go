// Command check is `make test`: the whole repository's checks in one go,
// each step reported with its time, all steps run even after a failure.
//
//  1. gofmt: every .go file is formatted (the unformatted ones are listed);
//  2. go vet ./..., and again with -tags distlabs_ported (the API tests
//     alone, as ported code is graded) on the packages the tag changes
//     (see portedPkgs);
//  3. go test -race on the concurrent packages (RACE_PKGS);
//  4. go test on every other package; in a lab package outside the race
//     step (tapestry), the tests the rubric grades are skipped, since
//     test/grade's TestHandoutSubmissions grades them all;
//  5. the handout check: go test ./test/handout generates the handout of
//     this tree, builds and vets it, and runs a sample of graded tests on it;
//  6. actionlint on the GitHub workflows (.github/workflows, handed out for
//     GitHub Classroom), built from the Go module proxy at a fixed version.
//
// The steps run in three lanes at once, their output lines tagged with the
// step ([race], [vet], ...): the race tests (3) and actionlint (6) from the
// start; 1 and 2 in order, then 4 and 5 side by side. Every step but the
// race tests compiles as the grader does (no cgo, -trimpath; see
// sharedBuildEnv), so the standard library and the large dependencies
// compile once for them all and for the trees the grader and the handout
// check build.
//
// Tests run with DISTLABS_LEAKS=strict: in our own packages a goroutine
// that outlives its test fails it.
//
// RACE_PKGS is a space-separated list of package patterns; patterns that
// match nothing yet are skipped with a note. Left empty (the Makefile's
// default), a rule chooses them from test/rubric.yaml (racePatterns) and
// takes out the packages of RACE_SKIP's patterns (default: tapestry).
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"distlabs/test/internal/tree"
)

// handoutPkg runs as its own step, the handout check.
const handoutPkg = "distlabs/test/handout"

// gradePkg holds TestHandoutSubmissions, which grades every graded test.
const gradePkg = "distlabs/test/grade"

// actionlint checks the workflow files; make test builds it with go run.
const actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

func main() {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	c := &checker{root: root, out: os.Stdout, shared: sharedBuildEnv()}
	patterns, err := racePatterns(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	timeout := os.Getenv("TEST_TIMEOUT")
	if timeout == "" {
		// One test binary's limit, not the run's: the handout check, the
		// longest, took 8.5 of the former 9 minutes on a busy 2-core
		// machine once the coord and puddlestore part chains joined it.
		timeout = "15m"
	}
	start := time.Now()
	// Our own packages are held to the strict leak rule: a goroutine that
	// outlives its test fails it (students and the grader default to warn).
	os.Setenv("DISTLABS_LEAKS", "strict")

	all, err := c.list("./...")
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	var race []string
	for _, p := range patterns {
		pkgs, err := c.list(p)
		if err != nil || len(pkgs) == 0 {
			fmt.Printf("check: race list: %s matches no package yet, skipped\n", p)
			continue
		}
		race = append(race, pkgs...)
	}
	for _, p := range raceSkip() {
		pkgs, err := c.list(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "check: RACE_SKIP:", err)
			os.Exit(2)
		}
		race = slices.DeleteFunc(race, func(q string) bool { return slices.Contains(pkgs, q) })
	}
	race = slowestFirst(race)
	var plain []string
	for _, p := range all {
		if !slices.Contains(race, p) && p != handoutPkg {
			plain = append(plain, p)
		}
	}
	// A lab left out of the race step (tapestry) would have its graded
	// tests run twice in the other tests' step: by go test, and by
	// test/grade's TestHandoutSubmissions, which grades every graded test
	// over the filled handout, in the sandbox, with the same
	// DISTLABS_LEAKS. Its package runs on its own, graded tests skipped
	// (tapestry's TestScaleC alone is 22 CPU-s). HANDOUT_PARTS would have
	// TestHandoutSubmissions grade only some parts: not here.
	os.Unsetenv("HANDOUT_PARTS")
	graded, err := gradedTests(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	labPkgs, err := c.importPaths(slices.Collect(maps.Keys(graded)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(2)
	}
	type skipRun struct{ pkg, skip string }
	var gradedElsewhere []skipRun
	for pattern, names := range graded {
		pkg, ok := labPkgs[pattern]
		if !ok || !slices.Contains(plain, pkg) || !slices.Contains(plain, gradePkg) {
			continue
		}
		plain = slices.DeleteFunc(plain, func(q string) bool { return q == pkg })
		gradedElsewhere = append(gradedElsewhere, skipRun{pkg, skipPattern(names)})
	}
	slices.SortFunc(gradedElsewhere, func(a, b skipRun) int { return strings.Compare(a.pkg, b.pkg) })
	if len(race) > 0 && os.Getenv("DISTLABS_WATCHDOG") == "" {
		// The race detector slows tests several times over, and on a shared
		// 2-core machine a virtual-time test can need minutes of real time:
		// widen the harness watchdog (go test's -timeout still bounds it).
		os.Setenv("DISTLABS_WATCHDOG", "5m")
	}

	// The steps run in lanes at the same time (README, "make test: where
	// the CPU goes"). The race build shares no compiled package with the
	// others, so it overlaps them from the start; the other tests and the
	// handout check wait for vet, which has compiled what both import (two
	// go commands compiling one package at once would both do the work).
	// go test runs with -vet=off: go vet ./... has run every analyzer on
	// the same files, test files included, and go test's subset would vet
	// them again under another cache key.
	var lanes sync.WaitGroup
	if len(race) > 0 {
		lanes.Go(func() {
			c.step("go test -race (concurrent packages)", "race", func(w io.Writer) error {
				args := append([]string{"test", "-race"}, raceFlags...)
				return c.goCmd(raceEnv(), w, append(append(args, "-vet=off", "-timeout", timeout), race...)...)
			})
		})
	}
	lanes.Go(func() {
		c.step("actionlint .github/workflows", "actionlint", func(w io.Writer) error {
			return c.goCmd(c.shared, w, "run", actionlint, "-color=false")
		})
	})

	c.step("gofmt", "gofmt", func(io.Writer) error { return c.gofmt() })
	// No go build ./... before vet: vet type-checks every package, commands
	// and test files included, and compiles every package another imports;
	// a build would add only the compile and link of the commands, which
	// the tests that run them and the grader's command builds do anyway.
	c.step("go vet ./... (compiles the dependencies first: a minute or two on a cold cache)", "vet", func(w io.Writer) error {
		return c.goCmd(c.shared, w, "vet", "./...")
	})
	// Ported course code is graded with the handout tests left out
	// (-tags distlabs_ported): the API tests must build on their own.
	c.step("go vet -tags distlabs_ported (packages it changes)", "vet-ported", func(w io.Writer) error {
		pkgs, err := c.portedPkgs()
		if err != nil || len(pkgs) == 0 {
			return err
		}
		return c.goCmd(c.shared, w, append([]string{"vet", "-tags", portedTag}, pkgs...)...)
	})
	if len(plain) > 0 || len(gradedElsewhere) > 0 {
		lanes.Go(func() {
			c.step("go test (other packages)", "test", func(w io.Writer) error {
				var errs []error
				if len(plain) > 0 {
					errs = append(errs, c.goCmd(c.shared, w, append([]string{"test", "-vet=off", "-timeout", timeout}, plain...)...))
				}
				for _, g := range gradedElsewhere {
					fmt.Fprintf(w, "%s: its graded tests run in %s's TestHandoutSubmissions\n", g.pkg, gradePkg)
					errs = append(errs, c.goCmd(c.shared, w, "test", "-vet=off", "-timeout", timeout, "-skip", g.skip, g.pkg))
				}
				return errors.Join(errs...)
			})
		})
	}
	c.step("handout check", "handout", func(w io.Writer) error {
		return c.goCmd(c.shared, w, "test", "-vet=off", "-count=1", "-timeout", timeout, "./test/handout")
	})
	lanes.Wait()
	fmt.Printf("\ncheck: %d step(s) in %v\n", len(c.results), time.Since(start).Round(time.Second))
	failed := false
	for _, r := range c.results {
		fmt.Println("  " + r)
		failed = failed || strings.HasPrefix(r, "FAIL")
	}
	if failed {
		os.Exit(1)
	}
}

// list resolves a package pattern to import paths.
func (c *checker) list(pattern string) ([]string, error) {
	cmd := exec.Command("go", "list", "-e", "-f", "{{if not .Error}}{{.ImportPath}}{{end}}", pattern)
	cmd.Dir = c.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w\n%s", pattern, err, stderr.String())
	}
	return strings.Fields(string(out)), nil
}

// importPaths resolves package directories given as ./dir patterns, in one
// go list, to their import paths; a pattern matching no package is left
// out.
func (c *checker) importPaths(patterns []string) (map[string]string, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	cmd := exec.Command("go", append([]string{"list", "-e", "-f", "{{if not .Error}}{{.Dir}}|{{.ImportPath}}{{end}}"}, patterns...)...)
	cmd.Dir = c.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %v: %w\n%s", patterns, err, stderr.String())
	}
	byDir := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if dir, pkg, ok := strings.Cut(line, "|"); ok {
			byDir[dir] = pkg
		}
	}
	paths := map[string]string{}
	for _, p := range patterns {
		if pkg, ok := byDir[filepath.Join(c.root, p)]; ok {
			paths[p] = pkg
		}
	}
	return paths, nil
}

// portedTag is the build tag under which ported course code is graded.
const portedTag = "distlabs_ported"

// portedPkgs returns the packages whose vet the ported tag can change:
// those whose own files differ under the tag, and those that import (in
// their tests too) a package whose non-test files differ. Vetting the
// rest again under the tag vets the same files twice: measured from an
// empty build cache, the whole ./... took 24 CPU-seconds.
func (c *checker) portedPkgs() ([]string, error) {
	const format = `{{if not .Error}}{{.ImportPath}}|{{join .GoFiles ","}}|{{join .TestGoFiles ","}}|{{join .XTestGoFiles ","}}|{{join .Deps ","}},{{join .TestImports ","}},{{join .XTestImports ","}}{{end}}`
	type pkg struct{ files, testFiles, deps string }
	list := func(tags ...string) (map[string]pkg, []string, error) {
		cmd := exec.Command("go", append(append([]string{"list", "-e"}, tags...), "-f", format, "./...")...)
		cmd.Dir = c.root
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, nil, fmt.Errorf("go list %v: %w\n%s", tags, err, stderr.String())
		}
		m := map[string]pkg{}
		var order []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Split(line, "|")
			if len(f) != 5 {
				continue
			}
			m[f[0]] = pkg{files: f[1], testFiles: f[2] + "|" + f[3], deps: f[4]}
			order = append(order, f[0])
		}
		return m, order, nil
	}
	plain, _, err := list()
	if err != nil {
		return nil, err
	}
	ported, order, err := list("-tags", portedTag)
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{} // packages whose non-test files differ
	for p, q := range ported {
		if plain[p].files != q.files {
			changed[p] = true
		}
	}
	var pkgs []string
	for _, p := range order {
		q := ported[p]
		need := changed[p] || plain[p].testFiles != q.testFiles
		for _, d := range strings.Split(q.deps, ",") {
			// A direct test import's own dependencies are in ported[d].deps.
			need = need || changed[d] || (d != "" && d != p && ported[d].deps != "" && dependsOn(ported[d].deps, changed))
		}
		if need {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs, nil
}

// dependsOn reports whether the comma-separated list deps names a package
// of set.
func dependsOn(deps string, set map[string]bool) bool {
	for _, d := range strings.Split(deps, ",") {
		if set[d] {
			return true
		}
	}
	return false
}

// gofmt fails listing the files gofmt would change.
func (c *checker) gofmt() error {
	cmd := exec.Command("gofmt", "-l", ".")
	cmd.Dir = c.root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("gofmt: %w\n%s", err, stderr.String())
	}
	if files := strings.Fields(string(out)); len(files) > 0 {
		return fmt.Errorf("not gofmt'd (run gofmt -w):\n  %s", strings.Join(files, "\n  "))
	}
	return nil
}
