package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
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
	data, err := os.ReadFile(filepath.Join(root, "test", "rubric.yaml"))
	if err != nil {
		return nil, fmt.Errorf("race list: %w", err)
	}
	var rubric struct {
		Labs []struct {
			Package string `yaml:"package"`
		} `yaml:"labs"`
	}
	if err := yaml.Unmarshal(data, &rubric); err != nil {
		return nil, fmt.Errorf("race list: test/rubric.yaml: %w", err)
	}
	patterns := slices.Clone(sharedRacePkgs)
	for _, l := range rubric.Labs {
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
