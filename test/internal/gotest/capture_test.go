package gotest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestCaptureSplitWritesAndFlood(t *testing.T) {
	c := newCapture("")
	write := func(s string) {
		if n, err := c.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	write("\x16=== RUN   TestA\n\x16--- PA")
	write("SS: TestA (0.00s)\n")
	// A flood bigger than head+tail, including one over-long line that
	// contains a forged frame which must not count.
	chunk := strings.Repeat("x", 1<<20) + "\n"
	for range 6 {
		write(chunk)
	}
	write(strings.Repeat("y", lineLimit+10) + "\x16--- FAIL: TestA (0.00s)\n")
	write("\x16PASS")
	c.finish()
	if !c.ev.Passed["TestA"] || c.ev.Failed["TestA"] || c.ev.Summary != "PASS" {
		t.Fatalf("events %+v", c.ev)
	}
	out := c.output()
	if len(out) > headLimit+tailLimit+100 || !bytes.Contains(out, []byte("bytes of output omitted")) {
		t.Fatalf("output of %d bytes not bounded/marked", len(out))
	}
	if !bytes.HasPrefix(out, []byte("\x16=== RUN")) || !bytes.HasSuffix(out, []byte("\x16PASS")) {
		t.Fatalf("head or tail lost")
	}
}

// TestCaptureBoundsEvents: a flood of framed lines for made-up tests keeps
// at most eventLimit names, and still the wanted test's own events.
func TestCaptureBoundsEvents(t *testing.T) {
	c := newCapture("TestA")
	for i := range 5 * eventLimit {
		fmt.Fprintf(c, "\x16--- PASS: Fake%d (0.00s)\n", i)
	}
	fmt.Fprintf(c, "\x16--- PASS: TestA/sub (0.00s)\n\x16--- PASS: TestA (0.00s)\n\x16PASS\n")
	c.finish()
	if n := len(c.ev.Passed); n > eventLimit+2 {
		t.Errorf("%d names kept, want at most %d", n, eventLimit+2)
	}
	if !c.ev.Passed["TestA"] || !c.ev.Passed["TestA/sub"] || c.ev.Summary != "PASS" {
		t.Errorf("the wanted test's events were dropped: %v %q", c.ev.Passed["TestA"], c.ev.Summary)
	}
}
