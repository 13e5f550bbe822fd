package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"distlabs/test/handout/solution"
	"distlabs/test/internal/testutil"
	"distlabs/test/linearize"
)

// labPart is one part of a lab and the package its tests are in. Test names
// end with their part (TestBackup2B), which is how the tests of a part are
// selected.
type labPart struct{ part, pkg string }

// partChains lists the parts in the order students do them. Numbered parts
// are one sequence across the 6.824 labs (UPTO=2D keeps raft and stubs
// kvraft); lettered parts are per lab family, and UPTO names the lab whose
// imports keep them (scope, the lab's directory: UPTO=pbkv:A keeps
// viewservice's A and stubs pbkv's B).
var partChains = []struct {
	scope string
	parts []labPart
}{
	{parts: []labPart{
		{"2A", "./raft"}, {"2B", "./raft"}, {"2C", "./raft"}, {"2D", "./raft"},
		{"3A", "./raft/kvraft"}, {"3B", "./raft/kvraft"},
		{"4A", "./shardkv/shardctrler"}, {"4B", "./shardkv"},
	}},
	{scope: "pbkv:", parts: []labPart{{"A", "./viewservice"}, {"B", "./pbkv"}}},
	{scope: "paxos/kvpaxos:", parts: []labPart{{"A", "./paxos"}, {"B", "./paxos/kvpaxos"}}},
	{scope: "surfstore:", parts: []labPart{{"S1", "./surfstore"}, {"S2", "./surfstore"}, {"S3", "./surfstore"}}},
	{scope: "chord:", parts: []labPart{{"A", "./chord"}, {"B", "./chord"}, {"C", "./chord"}, {"D", "./chord"}}},
	{scope: "tapestry:", parts: []labPart{{"A", "./tapestry"}, {"B", "./tapestry"}, {"C", "./tapestry"}, {"D", "./tapestry"}}},
	{scope: "coord:", parts: []labPart{{"A", "./coord"}, {"B", "./coord"}, {"C", "./coord"}, {"D", "./coord"}}},
	// PuddleStore builds on the whole of tapestry, so its parts continue
	// tapestry's letters: UPTO=puddlestore:E keeps tapestry's A-D too.
	{scope: "puddlestore:", parts: []labPart{{"E", "./puddlestore"}, {"F", "./puddlestore"}, {"G", "./puddlestore"}}},
}

// passOnStubs lists the tests known to pass on their own part's stubs, as
// "pkg TestName": work not done earns their points. The check fails for any
// other test that passes on its part's stubs, and for a listed test that no
// longer does (so that the list only shrinks). Every entry says why it is
// here.
var passOnStubs = map[string]string{
	"./coord TestUnreliableWatchesC": "it checks that watch events survive lost poll replies (mutant poll-forgets-unacked); " +
		"it needs C's duplicate table only on seeds where the network loses a Create's reply, which the stub seeds 1-3 do not",
}

// TestUpToHandoutsPassTheirParts checks that the part tags of the markers
// agree with the tests: a handout made with UPTO=P (the reference of parts
// through P kept) passes every test of part P,
// and every test of the part after P fails on its stubs; the full handout
// (no UPTO) fails every test of each lab's first part and every graded test
// of the labs without parts (test/rubric.yaml), and every part the rubric
// names is in partChains. A region tagged later
// than a test needs (say, heartbeats tagged 2B while a 2A test relies on
// them) fails the first half; a region tagged too early hands out the next
// part's solution, and a test that cannot tell a stub from a solution earns
// points for work not done: both fail the second.
func TestUpToHandoutsPassTheirParts(t *testing.T) {
	testutil.SkipShort(t, "builds one handout per part; skipped with -short")
	root := testutil.ModuleRoot(t)
	if left, err := solution.FindMarkers(filepath.Join(root, "raft")); err != nil || len(left) == 0 {
		t.Skip("no raft package with markers (inside a generated handout?)")
	}
	labs := rubricLabs(t, root)
	for _, lab := range labs {
		for _, part := range lab.parts {
			if !slices.Contains(chainParts(lab.pkg), part) {
				t.Errorf("rubric lab %s (%s) has tests of part %s, which partChains does not list for that package: add it", lab.name, lab.pkg, part)
			}
		}
	}
	// The passOnStubs entries whose part's stubs ran (a -run filter may
	// skip them), and whether each passed there.
	stubbedLeft := map[string]bool{}
	t.Run("none", func(t *testing.T) {
		out := generate(t, root, "")
		for _, chain := range partChains {
			lp := chain.parts[0]
			checkStubsFail(t, out, "", lp.pkg, "part "+lp.part, partsRun([]string{lp.part}), stubbedLeft)
		}
		// A lab without parts is stubbed whole: every graded test fails.
		for _, lab := range labs {
			if len(lab.parts) == 0 {
				checkStubsFail(t, out, "", lab.pkg, "lab "+lab.name, "^("+strings.Join(lab.tests, "|")+")$", stubbedLeft)
			}
		}
	})
	for _, chain := range partChains {
		for i, lp := range chain.parts[:len(chain.parts)-1] {
			upto := chain.scope + lp.part
			// A subtest name's slashes would nest it.
			t.Run(strings.ReplaceAll(upto, "/", "-"), func(t *testing.T) {
				out := generate(t, root, upto)
				next := chain.parts[i+1]
				// The pass half: the tests of this part alone. Those
				// of the parts before it passed at their own UPTO,
				// with less of the reference kept than here, so a
				// region they need tagged too late has failed there
				// already; running them again would only cost time
				// (raft's 2A three times, tapestry's A and B twice).
				// When the next part is in another package, this
				// package is wholly kept: it is the reference, which
				// go test runs anyway. The test binary is the one the
				// stubs half then runs (compileTests builds it once).
				if next.pkg == lp.pkg {
					passed, failed, log := runParts(t, out, lp.pkg, []string{lp.part})
					if len(failed) > 0 {
						t.Errorf("UPTO=%s: tests of part %s fail although their reference is kept: %v\n%s", upto, lp.part, failed, tailOf(log))
					}
					if len(passed) == 0 {
						t.Errorf("UPTO=%s: no test of part %s ran\n%s", upto, lp.part, tailOf(log))
					}
				}
				checkStubsFail(t, out, upto, next.pkg, "part "+next.part, partsRun([]string{next.part}), stubbedLeft)
			})
		}
	}
	if t.Failed() {
		return
	}
	for name, why := range passOnStubs {
		if passed, ran := stubbedLeft[name]; ran && !passed {
			t.Errorf("%s is listed in passOnStubs (%s) but now fails on its part's stubs: remove it from the list", name, why)
		}
	}
}

// generate writes the handout with UPTO=upto to a temp directory.
func generate(t *testing.T, root, upto string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "handout")
	if _, err := solution.Generate(root, out, solution.Options{UpTo: upto}); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkStubsFail runs the tests of pkg that match run (what names them) in
// the handout out, where their code is stubbed, and fails for each one that
// passes, unless passOnStubs lists it. listed records the passOnStubs
// entries this run covers: false when they ran, true once one passed.
func checkStubsFail(t *testing.T, out, upto, pkg, what, run string, listed map[string]bool) {
	t.Helper()
	// A test may pass stubs under some seeds only (one that awards
	// points when a random schedule happens to spare the missing code),
	// so it runs under several fixed seeds; a pass under any counts.
	// The package's tests compile once for all the seeds: a go test per
	// seed would link the binary again each time.
	bin, log, err := compileTests(out, pkg)
	if err != nil {
		// A handout that does not build fails no test of its own.
		t.Errorf("UPTO=%q: no test of %s ran in %s: %v\n%s", upto, what, pkg, err, tailOf(log))
		return
	}
	runRE := regexp.MustCompile(run)
	for key := range passOnStubs {
		name, ok := strings.CutPrefix(key, pkg+" ")
		if _, seen := listed[key]; ok && !seen && runRE.MatchString(name) {
			listed[key] = false
		}
	}
	// The seeds run side by side: a stub that waits on the real clock
	// (a command's patience) costs its wait once, not once a seed.
	type result struct {
		passed, failed []string
		log            string
	}
	results := make([]result, len(stubSeeds))
	var wg sync.WaitGroup
	for i, seed := range stubSeeds {
		wg.Go(func() {
			p, failed, log := runBinary(t, bin, filepath.Join(out, pkg), run, "DISTLABS_SEED="+seed)
			results[i] = result{p, failed, log}
		})
	}
	wg.Wait()
	var passed []string
	for _, r := range results {
		p, failed, log := r.passed, r.failed, r.log
		if len(p) == 0 && (len(failed) == 0 || strings.HasPrefix(failed[0], "(go test:")) {
			// A handout that does not build fails no test of its own.
			t.Errorf("UPTO=%q: no test of %s ran in %s\n%s", upto, what, pkg, tailOf(log))
			return
		}
		for _, name := range p {
			if !slices.Contains(passed, name) {
				passed = append(passed, name)
			}
		}
	}
	slices.Sort(passed)
	var bad []string
	for _, name := range passed {
		key := pkg + " " + name
		if _, ok := passOnStubs[key]; ok {
			listed[key] = true
			continue
		}
		bad = append(bad, name)
	}
	if len(bad) > 0 {
		t.Errorf("UPTO=%q: tests of %s (%s) pass on its stubs, so they award points for work not done: %s\n"+
			"Each test must fail unless the work is done: add a check that only a working solution passes.",
			upto, what, pkg, strings.Join(bad, ", "))
	}
}

// stubSeeds are the seeds every test runs under on its part's stubs.
var stubSeeds = []string{"1", "2", "3"}

// chainParts returns the parts partChains lists for pkg.
func chainParts(pkg string) []string {
	var parts []string
	for _, chain := range partChains {
		for _, lp := range chain.parts {
			if lp.pkg == pkg {
				parts = append(parts, lp.part)
			}
		}
	}
	return parts
}

// rubricLab is a lab of test/rubric.yaml: its package, its graded tests and
// the parts they belong to (none for a lab without parts).
type rubricLab struct {
	name, pkg string
	tests     []string
	parts     []string
}

// rubricLabs reads the labs of test/rubric.yaml whose package exists.
func rubricLabs(t *testing.T, root string) []rubricLab {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "test", "rubric.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rubric struct {
		Labs []struct {
			Lab     string `yaml:"lab"`
			Package string `yaml:"package"`
			Tests   []struct {
				Name string `yaml:"name"`
				Part string `yaml:"part"`
			} `yaml:"tests"`
		} `yaml:"labs"`
	}
	if err := yaml.Unmarshal(data, &rubric); err != nil {
		t.Fatal(err)
	}
	var labs []rubricLab
	for _, l := range rubric.Labs {
		if _, err := os.Stat(filepath.Join(root, l.Package)); err != nil || len(l.Tests) == 0 {
			continue
		}
		lab := rubricLab{name: l.Lab, pkg: l.Package}
		for _, tc := range l.Tests {
			lab.tests = append(lab.tests, regexp.QuoteMeta(tc.Name))
			if tc.Part != "" && !slices.Contains(lab.parts, tc.Part) {
				lab.parts = append(lab.parts, tc.Part)
			}
		}
		labs = append(labs, lab)
	}
	return labs
}

// resultLine matches the result line of a top-level test (subtests' are
// indented).
var resultLine = regexp.MustCompile(`(?m)^--- (PASS|FAIL): (Test\w+)`)

// partsRun is the -run pattern of the top-level tests whose names end with
// one of parts.
func partsRun(parts []string) string {
	return "^Test.*(" + strings.Join(parts, "|") + ")$"
}

// runParts runs the top-level tests of pkg in the handout dir whose names
// end with one of parts, each under a fresh seed as go test would run
// them, and returns the names that passed and failed.
func runParts(t *testing.T, dir, pkg string, parts []string) (passed, failed []string, log string) {
	t.Helper()
	bin, log, err := compileTests(dir, pkg)
	if err != nil {
		return nil, []string{"(go test: " + err.Error() + ")"}, log
	}
	return runBinary(t, bin, filepath.Join(dir, pkg), partsRun(parts))
}

// compileTests builds the test binary of pkg in the handout dir, under
// its .bin directory (the go command skips dot directories; it goes with
// the handout's temp dir), and returns its path, or the go command's
// output and error. A handout does not change once generated, so a
// binary already built for it is reused: the pass half and the stubs
// half of a part in one package run the same binary (a link saved).
func compileTests(dir, pkg string) (bin, log string, err error) {
	bin = filepath.Join(dir, ".bin", strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".test")
	if _, err := os.Stat(bin); err == nil {
		return bin, "", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", string(out), fmt.Errorf("go test -c %s: %w", pkg, err)
	}
	return bin, string(out), nil
}

// runBinary runs the top-level tests of a compiled test binary that match
// run, in the package's directory pkgDir as go test would, with env added,
// and returns the names that passed and failed. It may run on a goroutine
// of its own.
func runBinary(t *testing.T, bin, pkgDir, run string, env ...string) (passed, failed []string, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.count=1", "-test.timeout=4m", "-test.v", "-test.run", run)
	cmd.Dir = pkgDir
	// Stubs fail linearizability checks, whose visualisations would
	// otherwise pile up in the system temp directory, megabytes a run.
	cmd.Env = append(os.Environ(), append([]string{linearize.VizDirEnv + "=" + t.TempDir()}, env...)...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		// Errorf, not Fatalf: seeds run on goroutines of their own. The
		// killed run's results then say that it did not finish.
		t.Errorf("%s -test.run %q in the handout did not finish: %v\n%s", filepath.Base(bin), run, ctx.Err(), tailOf(string(out)))
	}
	passed, failed = testResults(string(out), err)
	return passed, failed, string(out)
}

// testResults reads the names of the top-level tests that passed and
// failed from verbose test output; err is the run's error.
func testResults(out string, err error) (passed, failed []string) {
	for _, m := range resultLine.FindAllStringSubmatch(out, -1) {
		if m[1] == "PASS" {
			passed = append(passed, m[2])
		} else {
			failed = append(failed, m[2])
		}
	}
	if err != nil && len(failed) == 0 {
		// A build error or a crash: no test result to point at.
		failed = append(failed, "(go test: "+err.Error()+")")
	}
	slices.Sort(passed)
	return passed, failed
}
