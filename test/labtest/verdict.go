package labtest

import (
	"fmt"
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
// inherited pipe and NonceEnv holding a random 32-hex-digit nonce. The
// harness reads both at init and removes them from the environment, so code
// under test that looks later finds neither. When a Run or RunRealtime test
// ends (after its body, its cleanups and the leak policy, when t.Failed() is
// final), the harness writes exactly one line to the pipe:
//
//	distlabs-verdict <nonce> <pass|fail> <TestName> <one-line reason>
//
// The grader counts a test as passed only if its process exited 0, the
// testing package reported it passed, and this line says pass. Text the
// code under test prints on stdout cannot fake the line: it goes to another
// file and needs the nonce.
const (
	// VerdictFDEnv names the file descriptor verdict lines go to.
	VerdictFDEnv = "DISTLABS_VERDICT_FD"
	// NonceEnv holds the nonce every verdict line carries.
	NonceEnv = "DISTLABS_NONCE"
)

// verdictPrefix starts every verdict line.
const verdictPrefix = "distlabs-verdict"

// verdicts is the channel read at init; nil when there is none.
var verdicts = openVerdicts(os.Getenv(VerdictFDEnv), os.Getenv(NonceEnv))

// verdictSink writes verdict lines to an inherited pipe.
type verdictSink struct {
	mu    sync.Mutex
	out   *os.File
	nonce string
}

// openVerdicts opens the channel named by the environment and unsets both
// variables whatever their values. A malformed value is a grader bug: say so
// on stderr and write nothing, which the grader scores as a failure.
func openVerdicts(fdText, nonce string) *verdictSink {
	if fdText == "" && nonce == "" {
		return nil
	}
	for _, k := range []string{VerdictFDEnv, NonceEnv} {
		if err := os.Unsetenv(k); err != nil {
			fmt.Fprintf(os.Stderr, "labtest: unsetting %s: %v\n", k, err)
		}
	}
	fd, err := strconv.Atoi(fdText)
	if err != nil || fd < 3 || !validNonce(nonce) {
		fmt.Fprintf(os.Stderr, "labtest: ignoring malformed verdict channel %s=%q %s=(%d chars)\n",
			VerdictFDEnv, fdText, NonceEnv, len(nonce))
		return nil
	}
	// Child processes (the per-test re-exec, student code's exec calls)
	// must not inherit the pipe.
	syscall.CloseOnExec(fd)
	return &verdictSink{out: os.NewFile(uintptr(fd), "distlabs-verdict"), nonce: nonce}
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

// write sends the verdict line of one test; a nil sink writes nothing.
func (v *verdictSink) write(name string, pass bool, reason string) {
	if v == nil {
		return
	}
	word := "fail"
	if pass {
		word = "pass"
	}
	line := fmt.Sprintf("%s %s %s %s %s\n", verdictPrefix, v.nonce, word, name, oneLine(reason))
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
func verdictReason(t *testing.T) string {
	switch {
	case t.Skipped():
		return "skipped"
	case t.Failed():
		return "the test failed (see its output)"
	}
	return ""
}
