package gotest

import (
	"bytes"
	"strings"
	"testing"
)

func TestCaptureSplitWritesAndFlood(t *testing.T) {
	c := newCapture()
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
