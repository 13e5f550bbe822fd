package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// sharedRacePkgs are race-tested whatever the rubric says: the simulated
// network and the harness every lab's tests run on.
var sharedRacePkgs = []string{"./labrpc/...", "./test/labtest"}

// racePatterns returns the package patterns whose tests run under the race
// detector. RACE_PKGS, when set, lists them. Otherwise a rule chooses, so
// a new lab needs no edit here: sharedRacePkgs, and every lab of
// test/rubric.yaml with all the packages under its top-level directory
// (./paxos/... for ./paxos/kvpaxos): the labs are concurrent servers and
// clients by design, and their commands and helpers share that code.
// The packages of raceSkip's patterns are then taken out (in main).
func racePatterns(root string) ([]string, error) {
	if env := strings.Fields(os.Getenv("RACE_PKGS")); len(env) > 0 {
		return env, nil
	}
	labs, err := rubricLabs(root)
	if err != nil {
		return nil, fmt.Errorf("race list: %w", err)
	}
	patterns := slices.Clone(sharedRacePkgs)
	for _, l := range labs {
		top, _, _ := strings.Cut(strings.TrimPrefix(path.Clean(l.Package), "./"), "/")
		if top == "" || top == "." {
			continue
		}
		if p := "./" + top + "/..."; !slices.Contains(patterns, p) {
			patterns = append(patterns, p)
		}
	}
	return patterns, nil
}

// defaultRaceSkip is what the rule leaves out, each for its reason:
// tapestry's 256-node gRPC mesh in a synctest bubble crashed the race
// runtime itself (ThreadSanitizer CHECK failed, then a SIGSEGV in the
// runtime) on two of three runs; it runs in the other tests' step.
const defaultRaceSkip = "./tapestry/..."

// raceSkip returns the patterns of the packages the rule leaves out:
// RACE_SKIP if set, else defaultRaceSkip; none when RACE_PKGS names the
// packages itself.
func raceSkip() []string {
	if os.Getenv("RACE_PKGS") != "" {
		return nil
	}
	if env := strings.Fields(os.Getenv("RACE_SKIP")); len(env) > 0 {
		return env
	}
	return strings.Fields(defaultRaceSkip)
}

// slowFirst names the race step's longest test packages, longest first:
// go test starts its test binaries in the order it is given them, two at
// a time, so a long package listed last runs alone at the end with one
// core idle. In the rubric's order puddlestore came last and took the
// step's final 190 s by itself. The order is that of the cold make test
// of 07b79a8 (wall seconds beside the other lanes): surfstore 66, the
// harness 52 (mostly waiting on the real clock), puddlestore 30, chord 26,
// kvraft 19, shardkv 19, labrpc 13, distsort 12; the rest under 10.
var slowFirst = []string{
	"distlabs/surfstore", "distlabs/test/labtest", "distlabs/puddlestore", "distlabs/chord",
	"distlabs/raft/kvraft", "distlabs/shardkv", "distlabs/labrpc", "distlabs/distsort",
}

// slowestFirst orders the race step's packages: those of slowFirst first,
// in its order, then the others as they were.
func slowestFirst(pkgs []string) []string {
	rank := func(p string) int {
		if i := slices.Index(slowFirst, p); i >= 0 {
			return i
		}
		return len(slowFirst)
	}
	out := slices.Clone(pkgs)
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// raceFlags are the race step's go test flags beyond -race. checkptr, which
// -race turns on in every package, checks unsafe.Pointer conversions, not
// data races: it stays on for this module's packages (the few unsafe
// conversions are ours) and goes off for the standard library and the
// dependencies, where it cost about a tenth of the race step's test CPU
// (reflect and sync under encoding/gob, which labrpc and every Raft
// persist run; shardkv's race run 29 -> 26 CPU-s). The last -gcflags
// pattern a package matches is the one it gets.
var raceFlags = []string{"-gcflags=all=-d=checkptr=0", "-gcflags=distlabs/...="}

// raceEnv returns the race step's environment additions: the race runtime
// waits a second at exit by default (atexit_sleep_ms) so that goroutines
// still running can report a race, one second of wall time for each of
// the step's test binaries; a goroutine that outlives its test fails it
// here anyway (DISTLABS_LEAKS=strict). GORACE options the user set are
// kept, and win.
func raceEnv() []string {
	return []string{"GORACE=" + strings.TrimSpace("atexit_sleep_ms=0 "+os.Getenv("GORACE"))}
}

// rubricLab is what test/check reads of a lab of test/rubric.yaml.
type rubricLab struct {
	Package string `yaml:"package"`
	Tests   []struct {
		Name string `yaml:"name"`
	} `yaml:"tests"`
}

// rubricLabs reads the labs of test/rubric.yaml.
func rubricLabs(root string) ([]rubricLab, error) {
	data, err := os.ReadFile(filepath.Join(root, "test", "rubric.yaml"))
	if err != nil {
		return nil, err
	}
	var rubric struct {
		Labs []rubricLab `yaml:"labs"`
	}
	if err := yaml.Unmarshal(data, &rubric); err != nil {
		return nil, fmt.Errorf("test/rubric.yaml: %w", err)
	}
	return rubric.Labs, nil
}

// gradedTests returns, for each lab of test/rubric.yaml, the package
// pattern and the names of its graded tests.
func gradedTests(root string) (map[string][]string, error) {
	labs, err := rubricLabs(root)
	if err != nil {
		return nil, fmt.Errorf("graded tests: %w", err)
	}
	graded := map[string][]string{}
	for _, l := range labs {
		for _, t := range l.Tests {
			graded[l.Package] = append(graded[l.Package], t.Name)
		}
	}
	return graded, nil
}

// skipPattern is go test's -skip pattern for exactly the named top-level
// tests.
func skipPattern(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	return "^(" + strings.Join(quoted, "|") + ")$"
}
