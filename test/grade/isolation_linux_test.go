package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"distlabs/test/internal/gotest"
)

// The sandbox's self-tests: each reproduces a way a submission reached
// outside its test and checks that, sandboxed, it earns nothing and
// changes nothing outside its scratch space.

// needSandbox skips t where the kernel gives no namespaces.
func needSandbox(t *testing.T) {
	t.Helper()
	if err := gotest.SandboxError(); err != nil {
		t.Skipf("no sandbox on this machine: %v", err)
	}
}

// TestProcMemForgeScoresZero: a package-level variable initializer that
// reads the nonce out of the process's own memory through /proc/self/mem
// earns the points without a sandbox (so the reproducer is real) and
// nothing in one, where its lines are reported as forged.
func TestProcMemForgeScoresZero(t *testing.T) {
	t.Parallel()
	needSandbox(t)
	for _, iso := range []string{"none", "auto"} {
		cfg := fixtureConfig(t, "procmem")
		cfg.Submission = fixtureSubmission(t, nil)
		cfg.Isolation = iso
		rep := grade(t, cfg)
		got, _ := rep.Score()
		flags := strings.Join(rep.Flags, "\n")
		switch iso {
		case "none":
			if got != 7 || !strings.HasPrefix(rep.Flags[0], "isolation: none (ISOLATION=none)") {
				t.Errorf("unsandboxed, the /proc/self/mem forge scored %v (flags %q): the reproducer no longer forges", got, rep.Flags)
			}
		default:
			if got != 0 {
				t.Errorf("sandboxed, the /proc/self/mem forge scored %v/7", got)
			}
			if !strings.HasPrefix(rep.Isolation, "namespaces") || !strings.Contains(flags, "procmem TestStub: 2 verdict line(s) the harness did not write") {
				t.Errorf("isolation %q, flags:\n%s\nwant the forged lines reported", rep.Isolation, flags)
			}
		}
	}
}

// TestSandboxContainsTests: tests that aim at the course's tree, the build
// cache, another submission and the grader's output (paths a student could
// learn), the host's /dev files, a nested user namespace, System V shared
// memory, a chain of 30 orphaned processes in new sessions, a grandchild
// holding memory outside the process group, a 2 GiB file, 3000 threads and
// an exit status that mimics a kill: nothing outside the scratch space
// changes, nothing survives, the environment is scrubbed, each limit stops
// its test, and the forged kill is a plain failure.
func TestSandboxContainsTests(t *testing.T) {
	needSandbox(t)
	cache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := "chain-" + hex.EncodeToString(b)
	cfg := fixtureConfig(t, "reach")
	victim := t.TempDir()
	targets := map[string]string{
		"kitDir": cfg.Root, "cacheDir": strings.TrimSpace(string(cache)), "victimDir": victim,
		"resultDir": cfg.OutDir, "token": token,
	}
	src := "package reach\n\nconst (\n"
	for k, v := range targets {
		src += fmt.Sprintf("\t%s = %q\n", k, v)
	}
	cfg.Submission = fixtureSubmission(t, map[string]string{"reach/targets.go": src + ")\n"})
	cfg.MemLimit = 256 << 20
	cfg.Scratch = 64 << 20
	t.Setenv("SUBMISSIONS", victim)
	rep := grade(t, cfg)

	for _, dir := range []string{cfg.Root, targets["cacheDir"], victim, cfg.OutDir,
		filepath.Join(cfg.OutDir, "tree", "reach"), filepath.Join(cfg.OutDir, "bin")} {
		if _, err := os.Stat(filepath.Join(dir, "pwned.txt")); err == nil {
			t.Errorf("a sandboxed test wrote %s", filepath.Join(dir, "pwned.txt"))
		}
	}
	out := outcome(t, rep, "TestReachOut").Output
	// A write may succeed inside (a path under /tmp lands in the scratch
	// tmpfs); only the host's copies above matter. /proc must be absent.
	for _, l := range strings.Split(out, "\n") {
		if (strings.HasPrefix(l, "reach: stat ") || strings.HasPrefix(l, "reach: change ")) && strings.HasSuffix(l, ": true") {
			t.Errorf("the sandbox let this through: %s", l)
		}
	}
	if !strings.Contains(out, `reach: SUBMISSIONS=""`) || strings.Count(out, "reach: ") < 13 {
		t.Errorf("TestReachOut did not report every attempt, or saw the grader's environment:\n%s", out)
	}
	if o := outcome(t, rep, "TestChain"); !o.Passed {
		t.Errorf("TestChain: %s %s", o.Status, o.Reason)
	}
	if pids := survivors(token); len(pids) > 0 {
		t.Errorf("processes of TestChain's chain survived grading: %v", pids)
	}
	if o := outcome(t, rep, "TestMemEscape"); o.Passed || o.Status != "memory limit" {
		t.Errorf("TestMemEscape: passed=%v status=%q reason=%q, want the memory limit", o.Passed, o.Status, o.Reason)
	}
	o := outcome(t, rep, "TestBigFile")
	m := regexp.MustCompile(`bigfile: wrote (\d+) bytes`).FindStringSubmatch(o.Output)
	if m == nil {
		t.Errorf("TestBigFile: no report (%s %s):\n%s", o.Status, o.Reason, o.Output)
	} else if n, _ := strconv.ParseInt(m[1], 10, 64); n > cfg.Scratch {
		t.Errorf("TestBigFile wrote %d bytes, over the %d-byte scratch space", n, cfg.Scratch)
	}
	// The launcher reports how its test ended on a pipe the test does not
	// hold: an exit status that looks like a kill is just a failure.
	if o := outcome(t, rep, "TestFakeKill"); o.Passed || o.Status != "fail" {
		t.Errorf("TestFakeKill: passed=%v status=%q reason=%q, want a plain failure", o.Passed, o.Status, o.Reason)
	}
	// Memory outside the address space: only a memory cgroup counts it.
	if o := outcome(t, rep, "TestMemfd"); gotest.MemoryCgroupError() == nil && (o.Passed || o.Status != "memory limit") {
		t.Errorf("TestMemfd held 1 GiB in memfd files under a %d-byte limit: passed=%v status=%q reason=%q", cfg.MemLimit, o.Passed, o.Status, o.Reason)
	}
	// A file a failing test names for a human is on the host at that path.
	o = outcome(t, rep, "TestLeavesArtifact")
	if m := regexp.MustCompile(`visualisation: (\S+)`).FindStringSubmatch(o.Reason); m == nil {
		t.Errorf("TestLeavesArtifact: reason %q names no file", o.Reason)
	} else if b, err := os.ReadFile(m[1]); err != nil || string(b) != "<html>history</html>" {
		t.Errorf("the visualisation the failure names is not on the host: %q %v", b, err)
	} else if !strings.HasPrefix(m[1], filepath.Join(cfg.OutDir, "artifacts")+"/") {
		t.Errorf("the visualisation %s is not under the grader's output directory", m[1])
	}
	// Either guard may stop the bomb first: the rlimit (the runtime cannot
	// make a thread) or the grader's poll (the process limit status).
	if o := outcome(t, rep, "TestThreadBomb"); o.Passed {
		t.Errorf("TestThreadBomb passed with 3000 threads (limit %d):\n%s", gotest.DefaultMaxProcs, o.Output)
	} else if o.Status != string(gotest.ProcsOut) && !strings.Contains(o.Output, "newosproc") {
		t.Errorf("TestThreadBomb was stopped, but not by the process limit: status %q, reason %q:\n%s", o.Status, o.Reason, o.Output)
	}
}

// TestIsolationRequire: ISOLATION=require refuses to grade without a
// sandbox, and an unknown mode is an error.
func TestIsolationModes(t *testing.T) {
	if _, _, err := chooseIsolation("sometimes"); err == nil {
		t.Error("ISOLATION=sometimes accepted")
	}
	ok, iso, err := chooseIsolation("require")
	if gotest.SandboxError() == nil {
		if !ok || !strings.HasPrefix(iso, "namespaces") || err != nil {
			t.Errorf("require: %v %q %v", ok, iso, err)
		}
	} else if err == nil {
		t.Errorf("require without a sandbox: graded anyway (%q)", iso)
	}
}
