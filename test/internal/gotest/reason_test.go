package gotest

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	for _, c := range []struct{ name, out, verdict, want string }{
		{"fatal message", "=== RUN   TestA\n    a_test.go:12: Answer() = 41, want 42\n--- FAIL: TestA (0.00s)\n", "", "Answer() = 41, want 42"},
		{"testify", "=== RUN   TestA\n    a_test.go:12: \n        \tError Trace:\ta_test.go:12\n        \tError:      \tNot equal: 1 != 2\n", "", "Not equal: 1 != 2"},
		{"watchdog", "labtest: 2 goroutine(s) still running 5s (virtual)\nlabtest: TestA still running after 54s of real time: something is stuck. Goroutines:\n", "",
			"timed out after 54s: watchdog says something is stuck."},
		{"os.Exit", "panic: unexpected call to os.Exit(0) during test\n", "", "exited mid-test via os.Exit(0)"},
		{"panic", "panic: runtime error: index out of range [3] with length 3\n\ngoroutine 7 [running]:\n", "", "panic: runtime error: index out of range [3] with length 3"},
		{"verdict reason", "no message here\n", "watchdog: still running after 1m0s of real time", "watchdog: still running after 1m0s of real time"},
		{"fallback", "", "", "exit status 1"},
	} {
		vs := verdicts{byTest: map[string][]verdict{}}
		if c.verdict != "" {
			vs.byTest["TestA"] = []verdict{{reason: c.verdict}}
		}
		got := explain(Result{Output: c.out, Reason: "exit status 1"}, Spec{Test: "TestA", Verdict: true}, vs)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestReadVerdicts(t *testing.T) {
	nonce := newNonce()
	in := "distlabs-verdict " + nonce + " start TestA\n" +
		"distlabs-verdict " + nonce + " pass TestA \n" +
		"distlabs-verdict 00000000000000000000000000000000 pass TestB \n" +
		"distlabs-verdict " + nonce + " start TestC\n" +
		"distlabs-verdict " + nonce + " fail TestC the test failed\n" +
		"distlabs-verdict " + nonce + " pass TestC \n" +
		"distlabs-verdict " + nonce + " pass TestD \n" +
		"distlabs-verdict " + nonce + " fail TestE watchdog: stuck\n"
	vs := readVerdicts(strings.NewReader(in), nonce)
	if v, ok, _ := vs.of("TestA"); !ok || !v.pass {
		t.Errorf("TestA: %v %v", v, ok)
	}
	if _, ok, _ := vs.of("TestB"); ok {
		t.Errorf("wrong nonce accepted")
	}
	if _, ok, why := vs.of("TestC"); ok {
		t.Errorf("two verdicts for TestC accepted")
	} else if why == "" {
		t.Errorf("no reason for rejecting TestC")
	}
	if _, ok, why := vs.of("TestD"); ok || !strings.Contains(why, "never saw start") {
		t.Errorf("a pass without a start line accepted (%q)", why)
	}
	// A failing verdict needs no start line: the watchdog may fail a test
	// the harness has not seen start.
	if v, ok, _ := vs.of("TestE"); !ok || v.pass {
		t.Errorf("TestE: %v %v", v, ok)
	}
	// The wrong nonce, TestC's second verdict, TestD's pass.
	if vs.forged != 3 {
		t.Errorf("forged = %d, want 3", vs.forged)
	}
}
