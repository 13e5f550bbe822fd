package labtest

import (
	"bytes"
	"strings"
	"testing/synctest"
	"time"
)

// CheckStopped is the check of every lab's "Kill stops every goroutine"
// test: it waits up to within (virtual time) for the goroutines running
// code of the packages pkgs (import paths, e.g. "distlabs/paxos") to exit,
// and fails the test with the stacks of those left, saying after what
// (e.g. "after every peer was killed"). Only frames in the packages'
// non-test files count, so the tests' own goroutines (in-package tests
// included) and Background helpers (an abandoned Clerk request) do not.
//
// Unlike StrictLeaks, which judges what outlives the whole body, it checks
// at one point of the test, so the test may go on (a restart, a final
// check) after it. It waits the whole of within before it looks, so that a
// goroutine a timer starts late is seen; in virtual time the wait is free.
func (t *T) CheckStopped(within time.Duration, after string, pkgs ...string) {
	t.Helper()
	time.Sleep(within)
	left := t.Running(pkgs...)
	if len(left) == 0 {
		return
	}
	t.Fatalf("%d goroutine(s) of %s still running %v (virtual) %s; every goroutine must return after Kill:\n\n%s\n%s",
		len(left), strings.Join(pkgs, ", "), within, after, groupStacks(left), fixHint)
}

// Running returns the stacks of the goroutines of this test (its bubble,
// or the whole process with -realtime) that have a frame in a non-test file
// of one of the packages pkgs, leaving out Background helpers. In a bubble
// it first waits for every other goroutine to block (synctest.Wait), since
// a dump of a running bubble can miss goroutines.
func (t *T) Running(pkgs ...string) []string {
	var stacks []byte
	var tag []byte
	if !t.state.realtime {
		synctest.Wait()
		stacks = allStacks()
		first, _, _ := bytes.Cut(stacks, []byte("\n"))
		if self := bubbleRE.Find(first); self != nil {
			tag = append(append([]byte(" "), self...), ']')
		}
	} else {
		stacks = allStacks()
	}
	var out []string
	for i, g := range bytes.Split(stacks, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		switch {
		case i == 0: // the caller
		case tag != nil && !bytes.Contains(header, tag):
		case harnessGoroutine(g) || bytes.Contains(g, []byte("labtest.background(")):
		case runsCodeOf(string(g), pkgs):
			out = append(out, string(g))
		}
	}
	return out
}

// runsCodeOf reports whether a goroutine's stack has a frame of a function
// of one of pkgs whose file is not a _test.go file. A frame is a function
// line ("distlabs/paxos.(*Paxos).proposer(...)") followed by its file line.
func runsCodeOf(stack string, pkgs []string) bool {
	lines := strings.Split(stack, "\n")
	for i := 1; i+1 < len(lines); i++ {
		fn := lines[i]
		if strings.HasPrefix(fn, "\t") || strings.HasPrefix(fn, "created by ") {
			continue
		}
		if !inPackage(fn, pkgs) {
			continue
		}
		file := strings.TrimSpace(lines[i+1])
		if k := strings.LastIndexByte(file, ':'); k >= 0 {
			file = file[:k]
		}
		if !strings.HasSuffix(file, "_test.go") {
			return true
		}
	}
	return false
}

// inPackage reports whether a stack's function line names a function of one
// of pkgs (not of a package nested below one).
func inPackage(fn string, pkgs []string) bool {
	for _, p := range pkgs {
		if rest, ok := strings.CutPrefix(fn, p); ok && strings.HasPrefix(rest, ".") {
			return true
		}
	}
	return false
}
