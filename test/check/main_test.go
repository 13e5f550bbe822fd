package main

import (
	"slices"
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
