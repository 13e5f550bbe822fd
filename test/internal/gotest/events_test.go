package gotest

import "testing"

func TestParseEventsIgnoresUnframedText(t *testing.T) {
	out := "\x16=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\n\x16--- FAIL: TestA (0.00s)\n\x16FAIL\n"
	ev := ParseEvents([]byte(out))
	if ev.Passed["TestA"] || !ev.Failed["TestA"] || ev.Summary != "FAIL" {
		t.Fatalf("events %+v", ev)
	}
}

func TestDecide(t *testing.T) {
	pass := Events{Passed: map[string]bool{"TestA": true}, Failed: map[string]bool{}, Skipped: map[string]bool{}, Summary: "PASS"}
	noSummary := Events{Passed: map[string]bool{"TestA": true}, Failed: map[string]bool{}, Skipped: map[string]bool{}}
	skipped := Events{Passed: map[string]bool{}, Failed: map[string]bool{}, Skipped: map[string]bool{"TestA": true}, Summary: "PASS"}
	for _, c := range []struct {
		name string
		code int
		ev   Events
		want Status
	}{
		{"pass", 0, pass, Pass},
		{"nonzero exit", 1, pass, Fail},
		{"exit 0 without summary", 0, noSummary, Fail},
		{"skip", 0, skipped, Skip},
		{"other test passed", 0, Events{Passed: map[string]bool{"TestB": true}, Summary: "PASS"}, Fail},
	} {
		if got, _ := decide("TestA", c.code, c.ev); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if got, _ := decide("", 0, noSummary); got != Fail {
		t.Errorf("pattern run without PASS summary: %s", got)
	}
	if got, _ := decide("", 0, pass); got != Pass {
		t.Errorf("pattern run that passed: %s", got)
	}
	empty := Events{Passed: map[string]bool{}, Skipped: map[string]bool{}, Summary: "PASS"}
	if got, _ := decide("", 0, empty); got != Fail {
		t.Errorf("pattern matching no test: %s", got)
	}
}

func TestReportName(t *testing.T) {
	if got := reportName("--- FAIL: TestX/sub (1.20s)"); got != "TestX/sub" {
		t.Fatal(got)
	}
}
