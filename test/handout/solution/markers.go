package solution

import (
	"fmt"
	"strconv"
	"strings"
)

// Marker prefixes. Only lines whose trimmed text starts with markerPrefix
// are markers, so code mentioning these strings is left alone.
const (
	markerPrefix = "//solution:"
	dirBegin     = "begin"
	dirStub      = "stub"
	dirEnd       = "end"
	dirFile      = "file"
)

// directive is a parsed marker line.
type directive struct {
	kind string
	part string
}

// parseDirective reports whether line is a marker and parses it.
func parseDirective(line string) (directive, bool, error) {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, markerPrefix) {
		return directive{}, false, nil
	}
	fields := strings.Fields(t[len(markerPrefix):])
	if len(fields) == 0 {
		return directive{}, true, fmt.Errorf("empty marker %q", t)
	}
	d := directive{kind: fields[0]}
	switch d.kind {
	case dirBegin, dirFile:
		if len(fields) > 2 {
			return d, true, fmt.Errorf("marker %q: at most one part tag", t)
		}
		if len(fields) == 2 {
			d.part = fields[1]
		}
	case dirStub, dirEnd:
		if len(fields) > 1 {
			return d, true, fmt.Errorf("marker %q takes no argument", t)
		}
	default:
		return d, true, fmt.Errorf("unknown marker %q (want begin, stub, end or file)", t)
	}
	return d, true, nil
}

// Options control which reference code the handout keeps.
type Options struct {
	// UpTo, if set, is the last part the students have already done:
	// regions and files tagged with this part or an earlier one keep their
	// reference code (markers removed), so UpTo=2B hands out a working 2A
	// and 2B and stubs 2C onwards. Untagged regions are always stubbed.
	// Generate rejects a part that no marker of the tree carries.
	UpTo string
}

// keep reports whether a region tagged part keeps its reference code.
func (o Options) keep(part string) bool {
	return part != "" && o.UpTo != "" && !PartLess(o.UpTo, part)
}

// PartLess orders part tags: by leading number, then by the rest
// ("2A" < "2B" < "3A" < "10A").
func PartLess(a, b string) bool {
	na, ra := splitPart(a)
	nb, rb := splitPart(b)
	if na != nb {
		return na < nb
	}
	return ra < rb
}

func splitPart(p string) (int, string) {
	i := 0
	for i < len(p) && p[i] >= '0' && p[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(p[:i])
	if err != nil {
		n = -1 // no number: sorts first, by its text
	}
	return n, strings.ToUpper(p[i:])
}
