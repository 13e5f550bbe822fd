package main

import (
	"slices"
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
