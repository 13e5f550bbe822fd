package gotest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// The verdict channel (contract 2 of the course tooling): the runner hands
// the test process the write end of a pipe as fd 3 and, as fd 4, the read
// end of a second pipe holding a fresh nonce (never the environment, which
// stays readable in /proc/self/environ); test/labtest reads the nonce and
// closes fd 4 at init. When a labtest.Run test starts, the harness writes
//
//	distlabs-verdict <nonce> start <TestName>
//
// and when it ends its own deferred cleanup writes one line
//
//	distlabs-verdict <nonce> <pass|fail> <TestName> <reason>
//
// A pass counts only after the same test's start line: a process that
// leaves before the testing package ran the test never passes it.
// Output the code under test prints to stdout can be forged; this line
// needs the nonce, which is in no file the student wrote and changes every
// run.
const (
	// VerdictFDEnv names the fd the harness writes its verdict lines to.
	VerdictFDEnv = "DISTLABS_VERDICT_FD"
	// NonceFDEnv names the fd the harness reads the run's nonce from (a
	// pipe holding the nonce and nothing else; the write end is closed).
	NonceFDEnv = "DISTLABS_NONCE_FD"
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
	byTest  map[string][]verdict
	started map[string]bool
	// forged counts lines the harness did not write: a wrong nonce, a
	// malformed line, a second start or verdict for one test, a pass for
	// a test that never started.
	forged int
}

// newNonce returns 32 random hex digits.
func newNonce() string {
	b := make([]byte, 16)
	// crypto/rand.Read never returns an error (Go 1.24+).
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// noncePipe returns the read end of a pipe that holds nonce and whose
// write end is closed. 33 bytes fit in any pipe buffer, so the write does
// not block.
func noncePipe(nonce string) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	_, err = w.WriteString(nonce + "\n")
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("write the nonce: %w", err)
	}
	return r, nil
}

// readVerdicts reads verdict lines from r until EOF or the limit.
func readVerdicts(r io.Reader, nonce string) verdicts {
	v := verdicts{byTest: map[string][]verdict{}, started: map[string]bool{}}
	sc := bufio.NewScanner(io.LimitReader(r, verdictLimit))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 5)
		if len(f) < 4 || f[0] != verdictPrefix || f[1] != nonce {
			v.forged++
			continue
		}
		name := f[3]
		switch f[2] {
		case "start":
			if v.started[name] || len(v.byTest[name]) > 0 {
				v.forged++
			}
			v.started[name] = true
		case "pass", "fail":
			reason := ""
			if len(f) == 5 {
				reason = strings.TrimSpace(f[4])
			}
			if len(v.byTest[name]) > 0 || f[2] == "pass" && !v.started[name] {
				v.forged++
			}
			v.byTest[name] = append(v.byTest[name], verdict{pass: f[2] == "pass", reason: reason})
		default:
			v.forged++
		}
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
	case lines[0].pass && !v.started[test]:
		return verdict{}, false, "a pass verdict for " + test + " that the harness never saw start (forged?)"
	}
	return lines[0], true, ""
}
