package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Rubric is test/rubric.yaml: the graded tests of every lab.
type Rubric struct {
	// Infrastructure lists directories (relative to the module root) of
	// course code every lab depends on, such as the RPC simulator and the
	// test harness: a submission's copies are replaced wholesale by ours.
	Infrastructure []string `yaml:"infrastructure"`
	// Harness is the infrastructure directory of the test harness, which
	// every package of a graded tree is made to import so that it is
	// initialised first (default test/labtest).
	Harness string `yaml:"harness"`
	Labs    []Lab  `yaml:"labs"`
}

// Lab is one assignment's block of the rubric.
type Lab struct {
	Lab     string  `yaml:"lab"`
	Package string  `yaml:"package"` // ./raft, relative to the module root
	Timeout string  `yaml:"timeout"` // per test process, e.g. 120s
	Tests   []Entry `yaml:"tests"`
	// Protected lists files or directories (relative to the module root)
	// that students receive but must not change, because the tests rely on
	// them as given (an output validator, the persister). A submission's
	// copies are replaced by ours at grading time, and a difference is
	// noted in the TA's summary.
	Protected []string `yaml:"protected"`
	// Adapters names, for a protected file, our stand-in for it that
	// ported course code is graded through (test/port's kits: the same
	// test seam spelled on the course's API). A submission whose copy is
	// byte for byte that adapter keeps it; any other copy is replaced by
	// ours as usual, so the seam stays the course's either way.
	Adapters map[string]string `yaml:"adapters"`
	// Commands lists main packages (./distsort/cmd/netsort) the lab's
	// tests run as real processes. A sandboxed test has no go command, so
	// the grader builds them beforehand from the graded tree and names
	// their directory in labcmd.CommandsEnv.
	Commands []string `yaml:"commands"`

	timeout time.Duration
}

// Entry is one graded test.
type Entry struct {
	Name   string  `yaml:"name"`
	Part   string  `yaml:"part"`
	Points float64 `yaml:"points"`
	// Visibility is Gradescope's: visible (default), hidden,
	// after_due_date or after_published. Tests from a HIDDEN rubric
	// default to after_published.
	Visibility string `yaml:"visibility"`
	// Seeds is the fewest seeds the test runs under, whatever SEEDS says:
	// for a test that catches its bug only on most seeds (a staged race).
	Seeds int `yaml:"seeds"`
}

// defaultTimeout applies to labs whose block gives none.
const defaultTimeout = 120 * time.Second

// LoadRubric reads and validates a rubric file.
func LoadRubric(path string) (*Rubric, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rubric: %w", err)
	}
	var r Rubric
	if err := yaml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("rubric %s: %w", path, err)
	}
	for i := range r.Labs {
		if err := r.Labs[i].validate(); err != nil {
			return nil, fmt.Errorf("rubric %s: %w", path, err)
		}
	}
	for _, p := range r.protectedPaths() {
		if err := checkRel(p); err != nil {
			return nil, fmt.Errorf("rubric %s: %w", path, err)
		}
	}
	return &r, nil
}

func (l *Lab) validate() error {
	if l.Lab == "" || l.Package == "" {
		return fmt.Errorf("lab block %q needs both lab and package", l.Lab)
	}
	l.timeout = defaultTimeout
	if l.Timeout != "" {
		d, err := time.ParseDuration(l.Timeout)
		if err != nil || d <= 0 {
			return fmt.Errorf("lab %s: bad timeout %q", l.Lab, l.Timeout)
		}
		l.timeout = d
	}
	for _, c := range l.Commands {
		if !strings.HasPrefix(c, "./") || !filepath.IsLocal(filepath.Clean(c)) {
			return fmt.Errorf("lab %s: command %q must be a package path such as ./lab/cmd/name", l.Lab, c)
		}
	}
	for file, adapter := range l.Adapters {
		if !slices.Contains(l.Protected, file) {
			return fmt.Errorf("lab %s: adapter for %s, which is not protected", l.Lab, file)
		}
		if err := checkRel(adapter); err != nil {
			return fmt.Errorf("lab %s: adapter: %w", l.Lab, err)
		}
	}
	seen := map[string]bool{}
	for _, e := range l.Tests {
		if e.Name == "" || e.Points < 0 {
			return fmt.Errorf("lab %s: test entry needs a name and points >= 0: %+v", l.Lab, e)
		}
		if seen[e.Name] {
			return fmt.Errorf("lab %s: test %s listed twice", l.Lab, e.Name)
		}
		seen[e.Name] = true
		if e.Seeds < 0 || e.Seeds > 100 {
			return fmt.Errorf("lab %s: test %s: seeds %d outside 0..100", l.Lab, e.Name, e.Seeds)
		}
		switch e.Visibility {
		case "", "visible", "hidden", "after_due_date", "after_published":
		default:
			return fmt.Errorf("lab %s: test %s: unknown visibility %q", l.Lab, e.Name, e.Visibility)
		}
	}
	return nil
}

// Merge adds the labs and tests of a hidden rubric: a test of the same name
// replaces the public entry, new tests and new labs are appended.
func (r *Rubric) Merge(hidden *Rubric) {
	for _, hl := range hidden.Labs {
		var target *Lab
		for i := range r.Labs {
			if r.Labs[i].Lab == hl.Lab {
				target = &r.Labs[i]
			}
		}
		if target == nil {
			r.Labs = append(r.Labs, Lab{Lab: hl.Lab, Package: hl.Package, Timeout: hl.Timeout, timeout: hl.timeout})
			target = &r.Labs[len(r.Labs)-1]
		}
		for _, e := range hl.Tests {
			if e.Visibility == "" {
				e.Visibility = "after_published"
			}
			replaced := false
			for i := range target.Tests {
				if target.Tests[i].Name == e.Name {
					target.Tests[i], replaced = e, true
				}
			}
			if !replaced {
				target.Tests = append(target.Tests, e)
			}
		}
	}
}

// infrastructure returns the rubric's infrastructure directories, or the
// default ones when it names none.
func (r *Rubric) infrastructure() []string {
	if len(r.Infrastructure) == 0 {
		return defaultInfrastructure
	}
	return r.Infrastructure
}

// protectedPaths lists every path the grader replaces by ours in a
// submission: the infrastructure and every lab's protected files.
func (r *Rubric) protectedPaths() []string {
	out := append([]string(nil), r.Infrastructure...)
	for _, l := range r.Labs {
		out = append(out, l.Protected...)
	}
	return out
}

// checkRel rejects paths that leave the module root.
func checkRel(p string) error {
	if p == "" || filepath.IsAbs(p) || !filepath.IsLocal(p) {
		return fmt.Errorf("protected path %q must be relative and inside the module", p)
	}
	return nil
}
