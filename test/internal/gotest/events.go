package gotest

import (
	"bufio"
	"bytes"
	"strings"
)

// frameMarker is the byte the testing package writes before every framing
// line when run with -test.v=test2json. Text printed by the code under test
// is never prefixed by it (unless the code forges it, which the exit status
// and the final summary line still catch).
const frameMarker = '\x16'

// Events summarises the framed events of one test binary run.
type Events struct {
	// Passed, Failed and Skipped hold the names of tests (and subtests) for
	// which the testing package reported that outcome.
	Passed, Failed, Skipped map[string]bool
	// Summary is the binary's final framed line: "PASS", "FAIL" or "".
	Summary string
	// want is the test whose events are always kept (with its subtests);
	// others are kept up to eventLimit names, so output crafted to hold
	// millions of framed lines cannot fill the runner's memory.
	want string
}

// eventLimit bounds the names Events keeps besides its test's.
const eventLimit = 1000

// newEvents returns an empty Events.
func newEvents() Events {
	return Events{Passed: map[string]bool{}, Failed: map[string]bool{}, Skipped: map[string]bool{}}
}

// ParseEvents scans the raw output of a test binary run with
// -test.v=test2json, following the framing rules of cmd/test2json: only lines
// that start with the frame marker are events.
func ParseEvents(out []byte) Events {
	ev := newEvents()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		ev.observe(sc.Text())
	}
	return ev
}

// observe records the event of one output line, if it is a framed one.
func (ev *Events) observe(line string) {
	if len(line) == 0 || line[0] != frameMarker {
		return
	}
	frame := strings.TrimLeft(strings.TrimRight(line[1:], "\r"), " ")
	switch {
	case frame == "PASS" || frame == "FAIL":
		ev.Summary = frame
	case strings.HasPrefix(frame, "--- PASS: "):
		ev.record(ev.Passed, reportName(frame))
	case strings.HasPrefix(frame, "--- FAIL: "):
		ev.record(ev.Failed, reportName(frame))
	case strings.HasPrefix(frame, "--- SKIP: "):
		ev.record(ev.Skipped, reportName(frame))
	}
}

// record adds name to m, within the limit unless it is the wanted test's.
func (ev *Events) record(m map[string]bool, name string) {
	mine := ev.want != "" && (name == ev.want || strings.HasPrefix(name, ev.want+"/"))
	if mine || len(ev.Passed)+len(ev.Failed)+len(ev.Skipped) < eventLimit {
		m[name] = true
	}
}

// reportName extracts the test name from "--- PASS: Name (0.00s)".
func reportName(frame string) string {
	rest := frame[len("--- PASS: "):]
	if i := strings.LastIndex(rest, " ("); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// Clean removes the frame markers so the output reads like `go test -v`.
func Clean(out []byte) string {
	return strings.ReplaceAll(string(out), string(frameMarker), "")
}
