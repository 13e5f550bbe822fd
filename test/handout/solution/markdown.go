package solution

import (
	"fmt"
	"os"
	"strings"
)

// Markdown files carry staff-only sections between two lines of their
// own, which the handout drops (a README's notes for TAs: how the
// reference keeps the rules, what the grader cannot stop):
//
//	<!-- staff:begin -->
//	...
//	<!-- staff:end -->
//
// and handout-only text, an HTML comment in the repository (so it does not
// show there) whose lines the handout keeps as text (what a student reads
// in place of a staff section):
//
//	<!-- handout
//	...
//	-->
const (
	staffBegin   = "<!-- staff:begin -->"
	staffEnd     = "<!-- staff:end -->"
	handoutBegin = "<!-- handout"
	handoutEnd   = "-->"
)

// stripMarkdown removes the staff-only sections of the Markdown file at p
// (rel names it in errors) and reports how many there were.
func stripMarkdown(p, rel string) (int, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	if !strings.Contains(string(data), staffBegin) && !strings.Contains(string(data), staffEnd) && !strings.Contains(string(data), handoutBegin) {
		return 0, nil
	}
	out, n, err := StripStaff(rel, string(data))
	if err != nil {
		return 0, err
	}
	return n, os.WriteFile(p, []byte(out), 0o644)
}

// StripStaff returns the Markdown text src without its staff-only
// sections and with its handout-only comments turned into text, and how
// many staff sections it removed. Unbalanced or nested markers are an
// error naming the line.
func StripStaff(name, src string) (string, int, error) {
	var b strings.Builder
	in, n, start := false, 0, 0
	handout := 0 // line of the open handout-only comment, 0 if none
	lines := strings.SplitAfter(src, "\n")
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if handout > 0 {
			if trimmed == handoutEnd {
				handout = 0
				continue
			}
			if !in {
				b.WriteString(line)
			}
			continue
		}
		switch trimmed {
		case handoutBegin:
			handout = i + 1
			continue
		case staffBegin:
			if in {
				return "", 0, fmt.Errorf("%s:%d: %s inside a staff section (opened at line %d)", name, i+1, staffBegin, start)
			}
			in, start = true, i+1
			continue
		case staffEnd:
			if !in {
				return "", 0, fmt.Errorf("%s:%d: %s without %s", name, i+1, staffEnd, staffBegin)
			}
			in = false
			n++
			continue
		}
		if !in {
			b.WriteString(line)
		}
	}
	if in {
		return "", 0, fmt.Errorf("%s:%d: %s never closed", name, start, staffBegin)
	}
	if handout > 0 {
		return "", 0, fmt.Errorf("%s:%d: %s never closed with %s", name, handout, handoutBegin, handoutEnd)
	}
	// A dropped section leaves at most one blank line behind.
	out := b.String()
	for strings.Contains(out, "\n\n\n") {
		out = strings.ReplaceAll(out, "\n\n\n", "\n\n")
	}
	return out, n, nil
}
