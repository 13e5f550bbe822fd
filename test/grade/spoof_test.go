package main

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/test/internal/testutil"
	"distlabs/test/internal/tree"
)

// fixtureSubmission copies the fixture module into a temp dir as a
// submission and applies edits (path relative to the module -> content;
// "" deletes the file).
func fixtureSubmission(t *testing.T, edits map[string]string) string {
	t.Helper()
	sub := filepath.Join(t.TempDir(), "sub")
	if err := tree.Copy(filepath.Join("testdata", "fixture"), sub, nil); err != nil {
		t.Fatal(err)
	}
	writes := map[string]string{}
	for rel, content := range edits {
		if content != "" {
			writes[rel] = content
			continue
		}
		// Solution-only fixture files are already gone in a handout.
		if err := os.Remove(filepath.Join(sub, rel)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	testutil.WriteFiles(t, sub, writes)
	return sub
}

// submissionConfig is fixtureConfig(t, lab) grading a fixture submission
// with edits (as fixtureSubmission), the start of most tests here.
func submissionConfig(t *testing.T, lab string, edits map[string]string) Config {
	t.Helper()
	cfg := fixtureConfig(t, lab)
	cfg.Submission = fixtureSubmission(t, edits)
	return cfg
}

// portedRenamed is a correct ported/ported.go that renamed the handout's
// Args type to SumArgs: it passes the API tests, and the handout tests that
// need Args do not build.
const portedRenamed = "// Package ported renamed Args.\npackage ported\n\ntype SumArgs struct{ A, B int }\n\nfunc Sum(a, b int) int { return a + b }\n"

// TestSpoofsScoreWhatWasEarned: forged framing with syscall.Exit(0), a
// forged verdict without the nonce, a test outside the harness and an
// os.Exit(0) after a failure all score 0; the honest test scores.
func TestSpoofsScoreWhatWasEarned(t *testing.T) {
	t.Parallel()
	rep := grade(t, fixtureConfig(t, "spoof"))
	if got, max := rep.Score(); got != 2 || max != 22 {
		t.Errorf("spoof lab scored %v/%v, want exactly the honest test's 2", got, max)
	}
	for name, reason := range map[string]string{
		"TestHonest":         "",
		"TestSyscallExit":    "no verdict",
		"TestForgedVerdict":  "no verdict",
		"TestNoHarness":      "no verdict",
		"TestFailsThenExits": "os.Exit(0)",
	} {
		o := outcome(t, rep, name)
		if (reason == "") != o.Passed {
			t.Errorf("%s: passed=%v (%s)", name, o.Passed, o.Reason)
		}
		if reason != "" && !strings.Contains(o.Reason, reason) {
			t.Errorf("%s: reason %q lacks %q", name, o.Reason, reason)
		}
		if reason != "" && !strings.HasPrefix(o.Output, o.Reason+"\n") {
			t.Errorf("%s: output does not start with the reason: %q", name, o.Output[:min(200, len(o.Output))])
		}
	}
}

// TestInitForgeScoresZero: code in the graded package's init reads the
// initial environment and fd 4 for the nonce, writes a pass verdict to fd
// 3, prints the framed pass lines and exits 0 before the testing package
// parsed its flags; helperforge does the same from a helper package the
// lab imports (which the grader makes import the harness). The harness
// initialised first and took the nonce, so the stub scores exactly what it
// earned: 0.
func TestInitForgeScoresZero(t *testing.T) {
	t.Parallel()
	for _, lab := range []string{"initforge", "helperforge"} {
		cfg := fixtureConfig(t, lab)
		// The grader adds the harness import to the packages of a
		// submission's tree (our own tree is graded in place).
		cfg.Submission = fixtureSubmission(t, nil)
		rep := grade(t, cfg)
		if got, max := rep.Score(); got != 0 || max != 7 {
			t.Errorf("%s lab scored %v/%v, want 0/7", lab, got, max)
		}
		// initforge exits with a made-up nonce; helperforge finds no nonce,
		// leaves the test to run and fail on its own.
		want := map[string]string{"initforge": "no verdict", "helperforge": "want 42"}[lab]
		if o := outcome(t, rep, "TestStub"); o.Passed || !strings.Contains(o.Reason, want) {
			t.Errorf("%s: TestStub: passed=%v reason %q, want a failure with %q", lab, o.Passed, o.Reason, want)
		}
	}
}

// TestMemoryLimitKills: a test that allocates past MEMLIMIT in one process
// (touched or not), or in several that are each under it, is killed and
// reported as such, not as a plain failure.
func TestMemoryLimitKills(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "memory")
	cfg.MemLimit = 512 << 20
	rep := grade(t, cfg)
	for _, name := range []string{"TestMemHog", "TestMemSpread", "TestMemReserve"} {
		o := outcome(t, rep, name)
		if o.Passed || o.Status != "memory limit" || !strings.Contains(o.Reason, "killed: memory limit") {
			t.Errorf("%s: passed=%v status=%q reason=%q", name, o.Passed, o.Status, o.Reason)
		}
	}
}

// TestCPULimitKills: a test that burns more CPU time than CPULIMIT is
// killed and reported as such.
func TestCPULimitKills(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "cpu")
	cfg.CPULimit = time.Second
	rep := grade(t, cfg)
	o := outcome(t, rep, "TestSpin")
	if o.Passed || o.Status != "cpu limit" || !strings.Contains(o.Reason, "killed: CPU-time limit") {
		t.Errorf("spinning test: passed=%v status=%q reason=%q", o.Passed, o.Status, o.Reason)
	}
}

// TestEscapedChildDies: a child that left the session and cleared its
// environment does not survive grading.
func TestEscapedChildDies(t *testing.T) {
	cfg := fixtureConfig(t, "escape")
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestEscapes"); !o.Passed {
		t.Fatalf("TestEscapes should pass (the grader kills its child afterwards): %s", o.Output)
	}
	// The child's command line names the test binary, under OutDir.
	if pids := survivors(cfg.OutDir); len(pids) > 0 {
		t.Fatalf("processes of the graded test survived grading: %v", pids)
	}
}

// TestGoModTamperingRefused: a replace directive pointing testify at a
// no-op fake is refused with a clear message, and nothing scores.
func TestGoModTamperingRefused(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "good", map[string]string{
		"go.mod":                       "module fixture\n\ngo 1.26.0\n\nrequire github.com/stretchr/testify v1.11.1\n\nreplace github.com/stretchr/testify => ./fakes/testify\n",
		"fakes/testify/go.mod":         "module github.com/stretchr/testify\n",
		"fakes/testify/assert/noop.go": "package assert\n",
	})
	rep := grade(t, cfg)
	if got, _ := rep.Score(); got != 0 || !strings.Contains(rep.Refused, "go.mod differs") || !strings.Contains(rep.Refused, "replace") {
		t.Fatalf("score %v, refused %q", got, rep.Refused)
	}
	if len(rep.Outcomes) == 0 || rep.Outcomes[0].Status != "refused" {
		t.Fatalf("outcomes %+v", rep.Outcomes)
	}
}

// TestVendorIgnored: a vendor directory cannot bring its own modules.
func TestVendorIgnored(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "good", map[string]string{"vendor/modules.txt": "# nothing\n"})
	cfg.Part = "A"
	if rep := grade(t, cfg); !rep.AllPassed() {
		t.Fatalf("vendor/ should be dropped: %s", rep.Outcomes[0].Output)
	}
}

// TestProtectedFileReplaced: a validator edited to accept anything is
// replaced by ours, so the wrong answer fails, and the TA is told.
func TestProtectedFileReplaced(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "validated", map[string]string{
		"validated/validate.go": "package validated\n\nfunc Valid(x int) bool { return true }\n",
		"validated/solve.go":    "// Package validated is wrong.\npackage validated\n\nfunc Solve() int { return 0 }\n",
		"validated/helper.go":   "", // solution-only: a handout does not have it
	})
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestValidated"); o.Passed || o.Status == "build failed" {
		t.Fatalf("edited validator: passed=%v status=%q %s", o.Passed, o.Status, o.Output)
	}
	if !strings.Contains(strings.Join(rep.Flags, "\n"), "validated/validate.go") {
		t.Errorf("TA flags do not mention the replaced validator: %q", rep.Flags)
	}
}

// TestProtectedFileAdapterKept: a protected file that is byte for byte
// the rubric's porting adapter stays (ported course code is graded through
// it, and the TA is told); one byte more and it is replaced and flagged.
func TestProtectedFileAdapterKept(t *testing.T) {
	t.Parallel()
	adapter, err := os.ReadFile(filepath.Join("testdata", "fixture", "validated", "testdata", "adapter.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, validate string
		kept           bool
	}{
		{"adapter", string(adapter), true},
		// The adapter with its check widened: a student's own "adapter".
		{"edited", strings.Replace(string(adapter), "x == answer()", "x == answer() || x == 0", 1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := submissionConfig(t, "validated", map[string]string{
				"validated/validate.go": tc.validate,
				"validated/solve.go":    "// Package validated is wrong.\npackage validated\n\nfunc Solve() int { return 0 }\n",
				"validated/helper.go":   "",
			})
			rep := grade(t, cfg)
			o := outcome(t, rep, "TestValidated")
			if o.Passed || o.Status == "build failed" {
				t.Fatalf("wrong Solve through %s: passed=%v status=%q %s", tc.name, o.Passed, o.Status, o.Output)
			}
			flagged := strings.Contains(strings.Join(rep.Flags, "\n"), "validated/validate.go")
			noted := strings.Contains(strings.Join(rep.Notes, "\n"), "porting adapter")
			if flagged == tc.kept || noted != tc.kept {
				t.Errorf("kept=%v: flags %q, notes %q", tc.kept, rep.Flags, rep.Notes)
			}
		})
	}
}

// TestReferenceOnlyTestsNotOverlaid: a //solution:file test that uses a
// reference-only helper is not copied into a submission that lacks the
// helper, so the submission builds and earns its points.
func TestReferenceOnlyTestsNotOverlaid(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "validated", map[string]string{"validated/helper.go": "", "validated/whitebox_test.go": ""})
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestValidated"); !o.Passed {
		t.Fatalf("handout-shaped submission: %s %s", o.Status, o.Output)
	}
}

// TestFlagsSuspiciousCode: imports and literals forging needs are listed
// for the TA (the score is not changed by them), in the lab's package and in
// a helper package outside every lab directory; a construct our own copy of
// the file already has is not flagged.
func TestFlagsSuspiciousCode(t *testing.T) {
	t.Parallel()
	cfg := submissionConfig(t, "good", map[string]string{
		"good/good.go": "// Package good cheats.\npackage good\n\nimport (\n\t\"os\"\n\t\"syscall\"\n\t_ \"unsafe\"\n)\n\n" +
			"//go:linkname x testing.x\nvar x int\n\nvar _ = os.NewFile\n\nfunc Answer() int { _ = syscall.Getpid; _, _ = os.ReadFile(\"/proc/self/environ\"); return 42 }\n",
		// A student's version of our stub: different, but the syscall
		// import is ours.
		"good/pid.go": "package good\n\nimport \"syscall\"\n\n// pid is the student's.\nfunc pid() int { return syscall.Getppid() }\n",
		// A helper package no lab lists, with an aliased os.
		"xutil/xutil.go": "// Package xutil hides a forge.\npackage xutil\n\nimport o \"os\"\n\nfunc init() {\n\to.Args = append(o.Args, \"-test.run=none\")\n\to.Args[0] = \"x\"\n\tif len(o.Args) > 9 {\n\t\to.Exit(0)\n\t}\n}\n",
	})
	cfg.Part = "A"
	rep := grade(t, cfg)
	flags := strings.Join(rep.Flags, "\n")
	for _, want := range []string{"good/good.go:6: imports syscall", "imports unsafe", "go:linkname", "os.NewFile", "/proc/self",
		"xutil/xutil.go:6: func init in a file that calls os.Exit", "xutil/xutil.go:7: assigns to os.Args", "xutil/xutil.go:8: assigns to os.Args"} {
		if !strings.Contains(flags, want) {
			t.Errorf("flags lack %q:\n%s", want, flags)
		}
	}
	for _, not := range []string{"validate.go", "harness/harness.go", "pid.go"} {
		if strings.Contains(flags, not) {
			t.Errorf("%s must not be flagged (identical to ours, or only what ours has):\n%s", not, flags)
		}
	}
}

// TestPartialUpload: a tree without go.mod holding only good/good.go is
// laid over our tree, its good.go replacing ours: its wrong Answer fails
// our test, the right one passes.
func TestPartialUpload(t *testing.T) {
	t.Parallel()
	up := filepath.Join(t.TempDir(), "upload")
	if err := os.MkdirAll(filepath.Join(up, "good"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(up, "good", "good.go"), []byte("package good\n\nfunc Answer() int { return 41 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(t, "good")
	cfg.Part = "A"
	cfg.Submission = up
	rep := grade(t, cfg)
	o := outcome(t, rep, "TestGood")
	if o.Passed || !strings.Contains(o.Reason, "want 42") {
		t.Fatalf("partial upload: passed=%v reason=%q", o.Passed, o.Reason)
	}
	// The same upload, right this time, passes.
	if err := os.WriteFile(filepath.Join(up, "good", "good.go"), []byte("package good\n\nfunc Answer() int { return 42 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.OutDir = t.TempDir()
	if rep := grade(t, cfg); !rep.AllPassed() {
		t.Fatalf("right partial upload: %s", rep.Outcomes[0].Output)
	}
}

// TestPortedRetry: a submission that renamed the handout's RPC type still
// gets its API tests graded; the tests needing the type score 0 as "not
// built", and the report says why.
func TestPortedRetry(t *testing.T) {
	t.Parallel()
	rep := grade(t, submissionConfig(t, "ported", map[string]string{"ported/ported.go": portedRenamed}))
	if o := outcome(t, rep, "TestAPI"); !o.Passed {
		t.Errorf("API test: %s %s", o.Status, o.Output)
	}
	o := outcome(t, rep, "TestArgs")
	if o.Passed || o.Status != "not built" || !strings.Contains(o.Reason, "handout's RPC types") {
		t.Errorf("handout test: passed=%v status=%q reason=%q", o.Passed, o.Status, o.Reason)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], portedTag) {
		t.Errorf("notes %q lack the ported build", rep.Notes)
	}
}

// TestBatch grades a directory of submissions: one results.json each and
// a CSV row per submission and lab, with the temp trees removed.
func TestBatch(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "grade")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build grader: %v\n%s", err, out)
	}
	subs := t.TempDir()
	right := fixtureSubmission(t, nil)
	wrong := fixtureSubmission(t, map[string]string{"good/good.go": "// Package good is wrong.\npackage good\n\nfunc Answer() int { return 1 }\n"})
	partial := filepath.Join(t.TempDir(), "p")
	if err := os.MkdirAll(filepath.Join(partial, "good"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(partial, "good", "good.go"), []byte("package good\n\nfunc Answer() int { return 42 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{"alice": right, "bob": wrong, "carol": partial} {
		if err := os.Rename(dir, filepath.Join(subs, name)); err != nil {
			t.Fatal(err)
		}
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "fixture"))
	csvPath := filepath.Join(t.TempDir(), "summary.csv")
	tmp := t.TempDir()
	cmd := exec.Command(bin, "-root", root, "-rubric", filepath.Join(root, "rubric.yaml"))
	cmd.Env = append(os.Environ(), "LAB=good", "PART=A", "SEEDS=1", "JOBS=2", "SUBMISSION=", "HIDDEN=", "TIMEOUT=", "RESULTS=", "KEEP=",
		"SUBMISSIONS="+subs, "CSV="+csvPath, "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("batch: %v\n%s", err, out)
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	want := "submission,lab,score,max,note\nalice,good,2,2,\nbob,good,0,2,\ncarol,good,2,2,\n"
	if string(data) != want {
		t.Errorf("summary.csv:\n%s\nwant:\n%s", data, want)
	}
	results, _ := filepath.Glob(filepath.Join(tmp, "distlabs-grade-*", "*", "results.json"))
	if len(results) != 3 {
		t.Errorf("results.json files: %v\n%s", results, out)
	}
	if trees, _ := filepath.Glob(filepath.Join(tmp, "distlabs-grade-*", "*", "tree")); len(trees) != 0 {
		t.Errorf("copied trees not removed without KEEP=1: %v", trees)
	}
}

// TestRealtimeRetry: a test that stopped virtual time on a mutex (code that
// sleeps holding a lock, correct but not virtual-time friendly) is run
// again on the real clock and earns its points there, with the reason in
// its output; a test that also fails there, stopped time without a mutex,
// or only printed the watchdog's words (no such verdict from the harness),
// stays failed.
func TestRealtimeRetry(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "mutexclock")
	cfg.Seeds = 2
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestSleepsUnderLock"); !o.Passed || !strings.Contains(o.Output, "on the real clock") {
		t.Errorf("TestSleepsUnderLock: passed=%v status=%q output:\n%s", o.Passed, o.Status, o.Output)
	}
	o := outcome(t, rep, "TestWrongOnEveryClock")
	if o.Passed || !strings.Contains(o.Output, "wrong answer") || !strings.Contains(o.Output, "blocked on a mutex") {
		t.Errorf("TestWrongOnEveryClock: passed=%v, want failed with both runs' output:\n%s", o.Passed, o.Output)
	}
	if first, rerun, ok := strings.Cut(o.Reason, "; on the real clock too: "); !ok || !strings.Contains(first, "virtual time stopped") || rerun != "wrong answer" {
		t.Errorf("TestWrongOnEveryClock: reason %q; want the first run's diagnosis, then the real clock's", o.Reason)
	}
	if o := outcome(t, rep, "TestBusyLoop"); o.Passed {
		t.Errorf("TestBusyLoop passed: a busy loop is not retried on the real clock")
	}
	if o := outcome(t, rep, "TestPrintsTheWords"); o.Passed {
		t.Errorf("TestPrintsTheWords passed: printing the watchdog's words is no verdict of the harness")
	}
}

// nonceForge is the source of a student helper package whose init steals
// the nonce the way the harness reads it (DISTLABS_NONCE_FD), writes a pass
// verdict for the test -test.run names to DISTLABS_VERDICT_FD, prints the
// framed pass lines and exits 0. Initialised after the harness, it finds
// neither descriptor in the environment and does nothing. clause is the
// file's package clause.
func nonceForge(clause string) string {
	return clause + `

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

func init() {
	name := ""
	for i, a := range os.Args {
		if a == "-test.run" && i+1 < len(os.Args) {
			name = strings.Trim(os.Args[i+1], "^$")
		}
	}
	nfd, err1 := strconv.Atoi(os.Getenv("DISTLABS_NONCE_FD"))
	vfd, err2 := strconv.Atoi(os.Getenv("DISTLABS_VERDICT_FD"))
	if name == "" || err1 != nil || err2 != nil {
		return
	}
	b, _ := io.ReadAll(io.LimitReader(os.NewFile(uintptr(nfd), "nonce"), 64))
	fmt.Fprintf(os.NewFile(uintptr(vfd), "verdict"), "distlabs-verdict %s pass %s ok\n", strings.TrimSpace(string(b)), name)
	fmt.Printf("\x16=== RUN   %s\n\x16--- PASS: %s (0.00s)\n\x16PASS\n", name, name)
	os.Exit(0)
}

// Zero is the helper the lab uses.
func Zero() int { return 0 }
`
}

// helperforgeImporting is the helperforge lab's stub importing the helper
// package at path as helper.
func helperforgeImporting(path string) string {
	return "// Package helperforge is still the stub.\npackage helperforge\n\nimport (\n\thelper \"" + path + "\"\n\t\"fixture/xhelp\"\n)\n\n" +
		"// Answer is the stub.\nfunc Answer() int { return xhelp.Double(helper.Zero()) }\n"
}

// TestHiddenHelperForgeScoresZero: a helper package the lab imports from
// a directory a walk skips (<lab>/_x, <lab>/testdata/y), or whose files
// carry conflicting import comments (which stop go/build but not the go
// command), steals the nonce from its init. The grader finds it among
// what the go command compiles, so it imports the harness, the stub scores
// 0 and the TA sees the file.
func TestHiddenHelperForgeScoresZero(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, dir string
		edits     map[string]string
	}{
		{"underscore", "helperforge/_x", map[string]string{
			"helperforge/_x/forge.go": nonceForge("package x"),
		}},
		{"testdata", "helperforge/testdata/y", map[string]string{
			"helperforge/testdata/y/forge.go": nonceForge("package y"),
		}},
		{"import comments", "helperforge/ic", map[string]string{
			"helperforge/ic/forge.go": nonceForge(`package ic // import "fixture/helperforge/ic"`),
			"helperforge/ic/other.go": "package ic // import \"fixture/elsewhere\"\n",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.edits["helperforge/helperforge.go"] = helperforgeImporting("fixture/" + c.dir)
			cfg := fixtureConfig(t, "helperforge")
			cfg.Submission = fixtureSubmission(t, c.edits)
			rep := grade(t, cfg)
			if got, max := rep.Score(); got != 0 || max != 7 {
				t.Errorf("scored %v/%v, want 0/7", got, max)
			}
			if o := outcome(t, rep, "TestStub"); o.Passed || !strings.Contains(o.Reason, "want 42") {
				t.Errorf("TestStub: passed=%v status %q reason %q, want the stub's own failure", o.Passed, o.Status, o.Reason)
			}
			if !exists(filepath.Join(cfg.OutDir, "tree", c.dir, harnessFirstFile)) {
				t.Errorf("%s did not get %s", c.dir, harnessFirstFile)
			}
			if flags := strings.Join(rep.Flags, "\n"); !strings.Contains(flags, c.dir+"/forge.go:") || !strings.Contains(flags, "os.NewFile") {
				t.Errorf("TA flags miss %s/forge.go:\n%s", c.dir, flags)
			}
		})
	}
}

// goodAndHelperforge is a rubric grading the fixture's good lab (part A)
// and helperforge, to show that refusing one lab leaves the other graded.
const goodAndHelperforge = `infrastructure: [harness]
harness: harness
labs:
  - lab: good
    package: ./good
    timeout: 60s
    tests:
      - {name: TestGood, part: A, points: 2}
  - lab: helperforge
    package: ./helperforge
    timeout: 60s
    tests:
      - {name: TestStub, points: 7}
`

// gradeRefused grades the submission with good and helperforge and checks
// that helperforge is refused with a reason and a TA flag containing each
// of want, and that good still earns its points.
func gradeRefused(t *testing.T, sub string, want ...string) {
	t.Helper()
	cfg := fixtureConfig(t, "")
	cfg.Rubric = filepath.Join(t.TempDir(), "rubric.yaml")
	if err := os.WriteFile(cfg.Rubric, []byte(goodAndHelperforge), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Submission = sub
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestGood"); !o.Passed {
		t.Errorf("good: %s %s: the other lab must still grade", o.Status, o.Reason)
	}
	o := outcome(t, rep, "TestStub")
	if o.Passed || o.Status != "refused" || !strings.HasPrefix(o.Reason, "build refused: ") {
		t.Errorf("helperforge: passed=%v status %q reason %q, want refused", o.Passed, o.Status, o.Reason)
	}
	var flag string
	for _, f := range rep.Flags {
		if strings.HasPrefix(f, "helperforge: ") && strings.Contains(f, "build refused") {
			flag = f
		}
	}
	if flag == "" {
		t.Errorf("no TA flag for the refused lab: %q", rep.Flags)
	}
	for _, w := range want {
		if !strings.Contains(o.Reason, w) || !strings.Contains(flag, w) {
			t.Errorf("reason %q or flag %q lacks %q", o.Reason, flag, w)
		}
	}
}

// TestNonGoSourcesRefused: a student package with an assembly file (linked
// into the test binary without the Go compiler) or a C file (dropped by the
// go command with cgo off, but no lab has a use for one) gets its lab
// refused, naming the file; the other lab grades.
func TestNonGoSourcesRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, dir, file string
		files           map[string]string
	}{
		{"assembly", "asm", "nop.s", map[string]string{
			"helperforge/asm/asm.go": "// Package asm has a function in assembly.\npackage asm\n\n// Nop does nothing.\nfunc Nop()\n\n// Zero is zero.\nfunc Zero() int { Nop(); return 0 }\n",
			"helperforge/asm/nop.s":  "TEXT ·Nop(SB),$0-0\n\tRET\n",
		}},
		{"C", "csrc", "zero.c", map[string]string{
			"helperforge/csrc/csrc.go": "// Package csrc comes with C.\npackage csrc\n\n// Zero is zero.\nfunc Zero() int { return 0 }\n",
			"helperforge/csrc/zero.c":  "int zero(void) { return 0; }\n",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.files["helperforge/helperforge.go"] = helperforgeImporting("fixture/helperforge/" + c.dir)
			gradeRefused(t, fixtureSubmission(t, c.files), "assembly/C/syso sources are not allowed", "helperforge/"+c.dir+"/"+c.file)
		})
	}
}

// TestUnlistablePackageRefused: a helper package the go command cannot
// load (it imports a package that does not exist) gets its lab refused
// with go list's error, not skipped; the other lab grades.
func TestUnlistablePackageRefused(t *testing.T) {
	t.Parallel()
	gradeRefused(t, fixtureSubmission(t, map[string]string{
		"helperforge/helperforge.go": helperforgeImporting("fixture/helperforge/broken"),
		"helperforge/broken/broken.go": "// Package broken imports what is not there.\npackage broken\n\nimport _ \"fixture/nonexistent\"\n\n" +
			"// Zero is zero.\nfunc Zero() int { return 0 }\n",
	}), "fixture/nonexistent")
}

// TestPortedOnlyCodeRefused: a file only the grader's retry build
// (-tags distlabs_ported) compiles could import a forging package that
// the grader's listing, made without the tag, never sees; its lab is
// refused. Here the submission renames Args (so the normal build fails and
// the retry runs) and has Sum wrong, so only a forge could pass TestAPI.
func TestPortedOnlyCodeRefused(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "ported")
	cfg.Submission = fixtureSubmission(t, map[string]string{
		"ported/ported.go": "// Package ported renamed Args.\npackage ported\n\n// SumArgs was Args.\ntype SumArgs struct{ A, B int }\n\n" +
			"// Sum is wrong.\nfunc Sum(a, b int) int { return 0 }\n",
		"ported/retry.go":    "//go:build " + portedTag + "\n\npackage ported\n\nimport _ \"fixture/ported/_x\"\n",
		"ported/_x/forge.go": nonceForge("package x"),
	})
	rep := grade(t, cfg)
	if got, _ := rep.Score(); got != 0 {
		t.Errorf("scored %v, want 0", got)
	}
	o := outcome(t, rep, "TestAPI")
	if o.Passed || o.Status != "refused" || !strings.Contains(o.Reason, "ported/retry.go") || !strings.Contains(o.Reason, portedTag) {
		t.Errorf("TestAPI: passed=%v status %q reason %q, want refused naming ported/retry.go", o.Passed, o.Status, o.Reason)
	}
}

// TestHarnessDepsNotInjected: a student package the harness itself imports
// (a rubric that names as harness a package importing student code) cannot
// be made to import the harness, which would be an import cycle: it is left
// alone, the lab still builds, and the TA is told its init runs first.
func TestHarnessDepsNotInjected(t *testing.T) {
	t.Parallel()
	cfg := fixtureConfig(t, "helperforge")
	cfg.Rubric = filepath.Join(t.TempDir(), "rubric.yaml")
	rubric := strings.Replace(goodAndHelperforge, "harness: harness", "harness: helperforge", 1)
	if err := os.WriteFile(cfg.Rubric, []byte(rubric), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.Submission = fixtureSubmission(t, nil)
	rep := grade(t, cfg)
	if o := outcome(t, rep, "TestStub"); o.Status == "build failed" || o.Status == "refused" {
		t.Errorf("TestStub: %s: %s", o.Status, o.Reason)
	}
	if exists(filepath.Join(cfg.OutDir, "tree", "xhelp", harnessFirstFile)) {
		t.Errorf("xhelp, which the harness imports, was made to import it")
	}
	if flags := strings.Join(rep.Flags, "\n"); !strings.Contains(flags, "fixture/xhelp: not made to import the harness") {
		t.Errorf("TA flags do not say xhelp runs before the harness:\n%s", flags)
	}
}
