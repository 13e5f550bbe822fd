package solution

import (
	"fmt"
	"path"
	"path/filepath"
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
	//
	// Numbered parts (2A..4B) form one sequence across the labs of the
	// 6.824 course. Lettered parts (A, B) are per lab family: viewservice
	// and pbkv use A and B, and so do paxos and kvpaxos. So a lettered UpTo
	// names the lab it is for, "DIR:PART" (e.g. "pbkv:B" or
	// "paxos/kvpaxos:B"), and keeps that part and earlier ones only in DIR
	// and the packages of the module DIR imports (pbkv:B keeps
	// viewservice's A too); Generate works out those directories. A
	// numbered UpTo never keeps lettered regions, and a lettered one keeps
	// numbered regions only in the packages DIR imports (coord:A keeps
	// raft and rsm whole: the lab is built on them). Generate rejects a part that no marker of
	// the tree carries.
	UpTo string

	// dirs, set by Generate for a scoped UpTo, are the slash-separated
	// directories (relative to the tree) whose regions UpTo applies to.
	dirs map[string]bool
}

// splitUpTo returns the scope ("" if none) and the part of UpTo.
func (o Options) splitUpTo() (scope, part string) {
	if i := strings.LastIndex(o.UpTo, ":"); i >= 0 {
		return strings.Trim(o.UpTo[:i], "/"), o.UpTo[i+1:]
	}
	return "", o.UpTo
}

// keep reports whether a region tagged part, in the file name (relative to
// the tree), keeps its reference code.
func (o Options) keep(part, name string) bool {
	if part == "" || o.UpTo == "" {
		return false
	}
	scope, upto := o.splitUpTo()
	dir := path.Dir(filepath.ToSlash(name))
	if lettered(part) != lettered(upto) {
		// Separate sequences (see Options.UpTo), with one exception: a
		// lettered lab built on numbered ones (coord on raft and rsm)
		// needs them whole, as its students have done them already.
		return o.dirs != nil && !lettered(part) && o.dirs[dir] && dir != scope
	}
	if o.dirs != nil && !o.dirs[dir] {
		return false
	}
	return !PartLess(upto, part)
}

// lettered reports whether a part tag has no leading number ("A", "B").
func lettered(part string) bool {
	n, _ := splitPart(part)
	return n < 0
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
