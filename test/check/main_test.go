package main

import (
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"distlabs/test/internal/tree"
)

// The ported vet covers every package with a file under the tag (each has
// a wire or rules test built only without it) and skips the packages the
// tag cannot change.
func TestPortedPkgs(t *testing.T) {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{root: root}
	pkgs, err := c.portedPkgs()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"distlabs/raft", "distlabs/paxos", "distlabs/paxos/kvpaxos", "distlabs/pbkv", "distlabs/shardkv"} {
		if !slices.Contains(pkgs, p) {
			t.Errorf("%s missing from %v", p, pkgs)
		}
	}
	for _, p := range []string{"distlabs/labrpc", "distlabs/distsort", "distlabs/surfstore"} {
		if slices.Contains(pkgs, p) {
			t.Errorf("%s needlessly in %v", p, pkgs)
		}
	}
	t.Logf("ported vet: %v", pkgs)
}

// The race list follows the rubric: every lab's directory (a lab in a
// subpackage brings its parent directory), the shared runtime, and
// nothing of the tooling; RACE_PKGS overrides the rule.
func TestRacePatternsFollowTheRubric(t *testing.T) {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RACE_PKGS", "")
	got, err := racePatterns(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"./labrpc/...", "./test/labtest", "./raft/...", "./paxos/...", "./shardkv/...", "./surfstore/...", "./chord/..."} {
		if !slices.Contains(got, p) {
			t.Errorf("%s missing from %v", p, got)
		}
	}
	for _, p := range got {
		// A lab's entry is its top-level directory, whole: ./x/...
		if !slices.Contains(sharedRacePkgs, p) && (strings.Count(p, "/") != 2 || strings.HasPrefix(p, "./test/")) {
			t.Errorf("%s in the race list %v", p, got)
		}
	}
	t.Setenv("RACE_PKGS", "./raft ./pbkv")
	if got, err := racePatterns(root); err != nil || !slices.Equal(got, []string{"./raft", "./pbkv"}) {
		t.Errorf("with RACE_PKGS set: %v %v", got, err)
	}
}

// A step's CPU is that of the go commands it ran, their children
// included: a test binary that spins for 1.5 CPU-s shows in the figure.
func TestStepCountsCPU(t *testing.T) {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	c := &checker{root: root, out: &out}
	dir := t.TempDir()
	// It spins until its own CPU time (not the clock) reaches 1.5 s,
	// so a loaded machine cannot make it cost less.
	src := `package spin

import (
	"syscall"
	"testing"
)

var sink int

func TestSpin(t *testing.T) {
	for {
		for i := 0; i < 10000000; i++ {
			sink += i
		}
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			t.Fatal(err)
		}
		if ru.Utime.Nano()+ru.Stime.Nano() >= 1500000000 {
			return
		}
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module spin\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spin_test.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c.step("spin", "spin", func(w io.Writer) error {
		return c.goCmd(nil, w, "-C", dir, "test", "-count=1", ".")
	})
	if len(c.results) != 1 || !strings.HasPrefix(c.results[0], "ok") {
		t.Fatalf("results %q, output:\n%s", c.results, out.String())
	}
	m := regexp.MustCompile(`, (\d+) CPU-s$`).FindStringSubmatch(c.results[0])
	if m == nil {
		t.Fatalf("no CPU figure in %q", c.results[0])
	}
	if n, _ := strconv.Atoi(m[1]); n < 1 {
		t.Errorf("a step whose test spun 1.5 CPU-s reports %s CPU-s: %q", m[1], c.results[0])
	}
}

// The race step starts the long packages first and keeps the rest in
// order; every package of slowFirst exists, so a renamed one is noticed.
func TestSlowestFirst(t *testing.T) {
	got := slowestFirst([]string{"distlabs/labrpc", "distlabs/chord", "distlabs/raft", "distlabs/puddlestore", "distlabs/paxos"})
	want := []string{"distlabs/puddlestore", "distlabs/chord", "distlabs/labrpc", "distlabs/raft", "distlabs/paxos"}
	if !slices.Equal(got, want) {
		t.Errorf("slowestFirst: %v, want %v", got, want)
	}
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	c := &checker{root: root}
	all, err := c.list("./...")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range slowFirst {
		if !slices.Contains(all, p) {
			t.Errorf("slowFirst names %s, which is not a package of the module", p)
		}
	}
}

// The race step's options: the user's GORACE comes last, so it wins; and
// checkptr stays on for this module (the last -gcflags pattern names it).
func TestRaceOptions(t *testing.T) {
	t.Setenv("GORACE", "atexit_sleep_ms=500 halt_on_error=1")
	if got, want := raceEnv(), []string{"GORACE=atexit_sleep_ms=0 atexit_sleep_ms=500 halt_on_error=1"}; !slices.Equal(got, want) {
		t.Errorf("raceEnv: %q, want %q", got, want)
	}
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-C", root, "-m").Output()
	if err != nil {
		t.Fatal(err)
	}
	module := strings.TrimSpace(string(out))
	if last := raceFlags[len(raceFlags)-1]; last != "-gcflags="+module+"/...=" {
		t.Errorf("the last race flag is %q: it must give module %s's packages back their default flags (checkptr on)", last, module)
	}
}

// The other tests' step skips, in a lab package outside the race step,
// exactly that lab's graded tests (TestHandoutSubmissions runs them).
func TestGradedElsewhere(t *testing.T) {
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	graded, err := gradedTests(root)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(graded["./tapestry"], "TestScaleC") {
		t.Fatalf("tapestry's graded tests %v lack TestScaleC", graded["./tapestry"])
	}
	c := &checker{root: root}
	paths, err := c.importPaths([]string{"./tapestry", "./raft/kvraft", "./no/such/lab"})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"./tapestry": "distlabs/tapestry", "./raft/kvraft": "distlabs/raft/kvraft"}; !maps.Equal(paths, want) {
		t.Errorf("importPaths: %v, want %v", paths, want)
	}
	re := regexp.MustCompile(skipPattern([]string{"TestScaleC", "TestA.B"}))
	for name, want := range map[string]bool{"TestScaleC": true, "TestA.B": true, "TestAxB": false, "TestScaleCX": false, "TestScale": false} {
		if re.MatchString(name) != want {
			t.Errorf("skip pattern %s matches %s: %v, want %v", re, name, !want, want)
		}
	}
}
