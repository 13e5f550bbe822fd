package gotest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"
)

// The verdict channel (contract 2 of the course tooling): the runner hands
// the test process the write end of a pipe as fd 3 and a fresh nonce in its
// environment; test/labtest reads and unsets both at init, and when a
// labtest.Run test ends its own deferred cleanup writes one line
//
//	distlabs-verdict <nonce> <pass|fail> <TestName> <reason>
//
// Output the code under test prints to stdout can be forged; this line
// needs the nonce, which is in no file the student wrote and changes every
// run.
const (
	// VerdictFDEnv names the fd the harness writes its verdict lines to.
	VerdictFDEnv = "DISTLABS_VERDICT_FD"
	// NonceEnv carries the run's nonce.
	NonceEnv = "DISTLABS_NONCE"
	// verdictPrefix starts every verdict line.
	verdictPrefix = "distlabs-verdict"
	// verdictLimit bounds what the runner reads from the pipe.
	verdictLimit = 64 << 10
)

// verdict is the harness's report on one test.
type verdict struct {
	pass   bool
	reason string
}

// verdicts collects the lines read from the pipe.
type verdicts struct {
	byTest map[string][]verdict
	forged int // lines with a wrong nonce or malformed
}

// newNonce returns 32 random hex digits.
func newNonce() string {
	b := make([]byte, 16)
	// crypto/rand.Read never returns an error (Go 1.24+).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// readVerdicts reads verdict lines from r until EOF or the limit.
func readVerdicts(r io.Reader, nonce string) verdicts {
	v := verdicts{byTest: map[string][]verdict{}}
	sc := bufio.NewScanner(io.LimitReader(r, verdictLimit))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 5)
		if len(f) < 4 || f[0] != verdictPrefix || f[1] != nonce || (f[2] != "pass" && f[2] != "fail") {
			v.forged++
			continue
		}
		reason := ""
		if len(f) == 5 {
			reason = strings.TrimSpace(f[4])
		}
		v.byTest[f[3]] = append(v.byTest[f[3]], verdict{pass: f[2] == "pass", reason: reason})
	}
	return v
}

// of returns the harness's verdict on test: ok is false when there is no
// line, or more than one (the harness writes exactly one; a second is
// forged).
func (v verdicts) of(test string) (verdict, bool, string) {
	lines := v.byTest[test]
	switch {
	case len(lines) == 0:
		return verdict{}, false, "the harness reported no verdict for " + test +
			" (the test does not run through labtest.Run, or the process ended before the harness's cleanup)"
	case len(lines) > 1:
		return verdict{}, false, "more than one verdict line for " + test + " (forged?)"
	}
	return lines[0], true, ""
}
