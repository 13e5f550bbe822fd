package gotest

import (
	"bytes"
	"fmt"
)

// Limits of what a run keeps of its output. A student's debug printing can
// produce gigabytes; the grader runs several tests at once and must not hold
// all of it. The beginning and the end are what a reader needs.
const (
	headLimit = 256 << 10
	tailLimit = 4 << 20
	lineLimit = 64 << 10 // framed lines are short; longer ones are not events
)

// capture is the io.Writer for a test process's stdout and stderr (the same
// writer for both, so os/exec calls Write from one goroutine at a time). It
// scans framed events as the output streams by and keeps a bounded copy.
type capture struct {
	ev      Events
	head    []byte
	tail    []byte // ring buffer once full
	tailPos int
	total   int64
	line    []byte
	longLn  bool // discarding the rest of an over-long line
}

// newCapture returns a capture that always keeps the events of test.
func newCapture(test string) *capture {
	c := &capture{ev: newEvents()}
	c.ev.want = test
	return c
}

// Write never fails: output beyond the limits is counted and dropped.
func (c *capture) Write(p []byte) (int, error) {
	c.total += int64(len(p))
	c.keep(p)
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		chunk := rest
		if i >= 0 {
			chunk = rest[:i]
		}
		if !c.longLn {
			if len(c.line)+len(chunk) > lineLimit {
				c.longLn, c.line = true, c.line[:0]
			} else {
				c.line = append(c.line, chunk...)
			}
		}
		if i < 0 {
			break
		}
		if !c.longLn {
			c.ev.observe(string(c.line))
		}
		c.line, c.longLn = c.line[:0], false
		rest = rest[i+1:]
	}
	return len(p), nil
}

// keep stores p in the head, then in the tail ring.
func (c *capture) keep(p []byte) {
	if n := min(headLimit-len(c.head), len(p)); n > 0 {
		c.head = append(c.head, p[:n]...)
		p = p[n:]
	}
	for len(p) > 0 {
		if len(c.tail) < tailLimit {
			n := min(tailLimit-len(c.tail), len(p))
			c.tail = append(c.tail, p[:n]...)
			p = p[n:]
			continue
		}
		n := copy(c.tail[c.tailPos:], p)
		c.tailPos = (c.tailPos + n) % tailLimit
		p = p[n:]
	}
}

// finish observes a last line without a newline.
func (c *capture) finish() {
	if len(c.line) > 0 && !c.longLn {
		c.ev.observe(string(c.line))
	}
	c.line = c.line[:0]
}

// output returns the kept output, marking what was dropped.
func (c *capture) output() []byte {
	out := append([]byte(nil), c.head...)
	if len(c.tail) < tailLimit {
		return append(out, c.tail...)
	}
	dropped := c.total - int64(len(c.head)) - int64(len(c.tail))
	out = fmt.Appendf(out, "\n... (%d bytes of output omitted) ...\n", dropped)
	out = append(out, c.tail[c.tailPos:]...)
	return append(out, c.tail[:c.tailPos]...)
}
