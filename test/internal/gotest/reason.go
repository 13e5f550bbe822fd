package gotest

import (
	"fmt"
	"regexp"
	"strings"
)

// A result's Reason is the one line a student reads first: the output may be
// megabytes of goroutine dumps, so the runner digs out the failure message,
// the watchdog's diagnosis or the panic, in that order of usefulness.

var (
	// logLineRE matches a t.Error/t.Fatal line: "    file_test.go:12: msg".
	logLineRE = regexp.MustCompile(`^\s+[\w.\-/]+\.go:\d+: ?(.*)$`)
	// testifyRE matches testify's "Error:" line.
	testifyRE = regexp.MustCompile(`^\s+Error:\s+(.*)$`)
)

// explain picks the one-line reason of a failed run. The harness's
// verdict reason comes after the test's own message: the harness knows
// only that the test failed, the message says what was wrong.
func explain(res Result, spec Spec, vs verdicts) string {
	out := res.Output
	if strings.Contains(out, "unexpected call to os.Exit(0) during test") {
		return "exited mid-test via os.Exit(0)"
	}
	if w := watchdogLine(out); w != "" {
		return w
	}
	if m := firstMessage(out); m != "" {
		return m
	}
	if spec.Verdict && spec.Test != "" {
		if v, ok, _ := vs.of(spec.Test); ok && !v.pass && v.reason != "" {
			return v.reason
		}
	}
	if p := firstLineWith(out, "panic: "); p != "" {
		return p
	}
	if p := firstLineWith(out, "fatal error: "); p != "" {
		return p
	}
	return res.Reason
}

// firstMessage returns the first test log message of a failure.
func firstMessage(out string) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		m := logLineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if msg := strings.TrimSpace(m[1]); msg != "" && !strings.HasPrefix(msg, "Error Trace:") {
			return oneLine(msg)
		}
		// testify puts the message a few lines further down.
		for _, next := range lines[i+1 : min(i+12, len(lines))] {
			if t := testifyRE.FindStringSubmatch(next); t != nil {
				return oneLine(t[1])
			}
		}
	}
	return ""
}

// watchdogRE matches the harness watchdog's line: "labtest: TestX still
// running after 54s of real time: <diagnosis>".
var watchdogRE = regexp.MustCompile(`^labtest: \S+ still running after (\S+) of real time: (.*)$`)

// watchdogLine returns "timed out after 54s: watchdog says <diagnosis>" if
// the harness's watchdog fired.
func watchdogLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if m := watchdogRE.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			diag := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[2]), "Goroutines:"))
			return oneLine("timed out after " + m[1] + ": watchdog says " + diag)
		}
	}
	return ""
}

// outOfMemory reports whether the output shows an allocation the address
// space limit refused.
func outOfMemory(out string) bool {
	for _, s := range []string{"runtime: out of memory", "fatal error: out of memory", "cannot allocate memory",
		"failed to reserve", "runtime: cannot map pages", "runtime: cannot reserve arena"} {
		if strings.Contains(out, s) {
			return true
		}
	}
	return false
}

// firstLineWith returns the first line containing s, from s on.
func firstLineWith(out, s string) string {
	i := strings.Index(out, s)
	if i < 0 {
		return ""
	}
	line := out[i:]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	return oneLine(line)
}

// oneLine trims a message to one reasonably short line.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// bytesText prints a byte count in MiB or GiB.
func bytesText(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
