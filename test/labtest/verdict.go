package labtest

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The verdict channel (contract 2 between the grader and the harness).
//
// The grader starts each test process with VerdictFDEnv naming an
// inherited pipe for verdict lines and NonceFDEnv naming a second inherited
// pipe that holds a random 32-hex-digit nonce and nothing else. The harness
// reads the nonce at package init, closes that pipe and unsets both
// variables. The nonce is never in the environment: the process's initial
// environment stays readable in /proc/self/environ whatever os.Unsetenv
// does, while the pipe is empty and closed once read.
//
// Go initialises a package only after every package it imports, so the
// read happens before any package-level variable or init function of a
// package that imports the harness, directly or not: the graded package
// does, through its test files. A package the harness does not reach and
// that does not import it (a student's helper package imported by the lab)
// may be initialised earlier; the grader flags such code for a TA (README,
// "What a determined student could still forge"). When a Run or
// RunRealtime test ends (after its body, its cleanups and the leak policy,
// when t.Failed() is final), the harness writes exactly one line to the
// verdict pipe:
//
//	distlabs-verdict <nonce> <pass|fail> <TestName> <one-line reason>
//
// after the line it wrote when the test started,
//
//	distlabs-verdict <nonce> start <TestName>
//
// (a pass without it is counted as forged).
// The grader counts a test as passed only if its process exited 0, the
// testing package reported it passed, and this line says pass. Text the
// code under test prints on stdout cannot fake the line: it goes to another
// file and needs the nonce.
const (
	// VerdictFDEnv names the file descriptor verdict lines go to.
	VerdictFDEnv = "DISTLABS_VERDICT_FD"
	// NonceFDEnv names the file descriptor the nonce is read from.
	NonceFDEnv = "DISTLABS_NONCE_FD"
)

// verdictPrefix starts every verdict line.
const verdictPrefix = "distlabs-verdict"

// verdicts is the channel read at init; nil when there is none.
var verdicts = openVerdicts(os.Getenv(VerdictFDEnv), os.Getenv(NonceFDEnv))

// verdictSink writes verdict lines to an inherited pipe.
type verdictSink struct {
	mu    sync.Mutex
	out   *os.File
	nonce string
}

// openVerdicts opens the channel named by the environment and unsets both
// variables whatever their values. A malformed value is a grader bug (or
// code that read the nonce first): say so on stderr and write nothing,
// which the grader scores as a failure.
func openVerdicts(fdText, nonceFDText string) *verdictSink {
	if fdText == "" && nonceFDText == "" {
		return nil
	}
	for _, k := range []string{VerdictFDEnv, NonceFDEnv} {
		if err := os.Unsetenv(k); err != nil {
			fmt.Fprintf(os.Stderr, "labtest: unsetting %s: %v\n", k, err)
		}
	}
	nonce := readNonce(nonceFDText)
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 || !validNonce(nonce) {
		fmt.Fprintf(os.Stderr, "labtest: ignoring malformed verdict channel %s=%q %s=%q (nonce of %d chars)\n",
			VerdictFDEnv, fdText, NonceFDEnv, nonceFDText, len(nonce))
		return nil
	}
	// Child processes (the per-test re-exec, student code's exec calls)
	// must not inherit the pipe.
	syscall.CloseOnExec(fd)
	return &verdictSink{out: os.NewFile(uintptr(fd), "distlabs-verdict"), nonce: nonce}
}

// readNonce reads the nonce from the pipe named by fdText and closes it;
// "" when there is none.
func readNonce(fdText string) string {
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 {
		return ""
	}
	f := os.NewFile(uintptr(fd), "distlabs-nonce")
	if f == nil {
		return ""
	}
	defer f.Close()
	// The grader wrote 33 bytes and closed its end, so this reads to EOF;
	// the limit keeps a wrong descriptor from flooding memory.
	b, err := io.ReadAll(io.LimitReader(f, 64))
	if err != nil {
		fmt.Fprintf(os.Stderr, "labtest: reading the nonce: %v\n", err)
	}
	return strings.TrimSpace(string(b))
}

// validNonce reports whether s is 32 lowercase or uppercase hex digits.
func validNonce(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// start sends the line that says a test began; a nil sink writes nothing.
func (v *verdictSink) start(name string) {
	if v == nil {
		return
	}
	v.line(name, fmt.Sprintf("%s %s start %s\n", verdictPrefix, v.nonce, name))
}

// write sends the verdict line of one test; a nil sink writes nothing.
func (v *verdictSink) write(name string, pass bool, reason string) {
	if v == nil {
		return
	}
	word := "fail"
	if pass {
		word = "pass"
	}
	v.line(name, fmt.Sprintf("%s %s %s %s %s\n", verdictPrefix, v.nonce, word, name, oneLine(reason)))
}

// line writes one line of the channel.
func (v *verdictSink) line(name, line string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.out.WriteString(line); err != nil {
		fmt.Fprintf(os.Stderr, "labtest: writing the verdict of %s: %v\n", name, err)
	}
}

// oneLine folds reason onto one line so it cannot forge a second verdict.
func oneLine(reason string) string {
	return strings.Join(strings.Fields(reason), " ")
}

// verdictReason is the reason a verdict line gives for t's outcome.
func (s *runState) verdictReason(t *testing.T) string {
	s.mu.Lock()
	leaked := s.leaked
	s.mu.Unlock()
	switch {
	case t.Skipped():
		return "skipped"
	case t.Failed() && leaked > 0:
		return fmt.Sprintf("failed; %d goroutine(s) outlived the test", leaked)
	case t.Failed():
		return "the test failed (see its output)"
	case leaked > 0:
		return fmt.Sprintf("passed with a warning: %d goroutine(s) outlived the test (%s=warn)", leaked, LeaksEnv)
	}
	return ""
}
