package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBuildFailureOneLine: a lab that did not build prints one line with
// the reason and the compiler's message once, not a row per test, and the
// batch summary's note names the reason.
func TestBuildFailureOneLine(t *testing.T) {
	broken := &Lab{Lab: "kvraft", Package: "./raft/kvraft"}
	fine := &Lab{Lab: "raft", Package: "./raft"}
	rep := &Report{}
	for _, name := range []string{"TestA3A", "TestB3A", "TestC3A"} {
		rep.Outcomes = append(rep.Outcomes, &Outcome{Lab: broken, Entry: Entry{Name: name, Part: "3A", Points: 5},
			Status: "build failed", Reason: "build failed: server.go:9: undefined: x", Output: "server.go:9: undefined: x\n"})
	}
	rep.Outcomes = append(rep.Outcomes, &Outcome{Lab: fine, Entry: Entry{Name: "TestOk2A", Part: "2A", Points: 4}, Status: "pass", Passed: true})

	var out bytes.Buffer
	PrintTable(&out, rep, 1)
	text := out.String()
	if n := strings.Count(text, "undefined: x"); n != 2 { // the reason line and the message, once each
		t.Errorf("the build error appears %d times; want it in one line and the message once:\n%s", n, text)
	}
	if strings.Contains(text, "TestB3A") || !strings.Contains(text, "every test (3): build failed") {
		t.Errorf("a row per test of a lab that did not build:\n%s", text)
	}
	if !strings.Contains(text, "TestOk2A") {
		t.Errorf("the lab that built lost its rows:\n%s", text)
	}

	rows := summaryRows("alice", rep)
	if len(rows) != 2 || rows[0][1] != "kvraft" || rows[0][2] != "0" || rows[0][3] != "15" || !strings.Contains(rows[0][4], "undefined: x") {
		t.Fatalf("summary rows %q; want kvraft 0/15 with the build error as its note", rows)
	}
	if rows[1][4] != "" {
		t.Errorf("raft's note %q; want none", rows[1][4])
	}
	var sum bytes.Buffer
	printSummary(&sum, rows)
	if !strings.Contains(sum.String(), "alice") || !strings.Contains(sum.String(), "0/15") {
		t.Errorf("summary table:\n%s", sum.String())
	}
}
