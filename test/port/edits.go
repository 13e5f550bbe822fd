package main

import (
	"fmt"
	"sort"
)

// edit replaces src[start:end] with text. The rewrites locate what they
// change on the syntax tree and change the bytes there, so comments and
// layout elsewhere stay as the student wrote them (go/printer would move
// the comments of a deleted statement onto its neighbours).
type edit struct {
	start, end int
	text       string
}

// applyEdits applies edits to src. An edit inside the range of another
// (a call site inside a statement that is dropped) is skipped: the outer
// edit already decides those bytes. Insertions at one offset keep their
// order. Partly overlapping edits are a bug of the rewrite.
func applyEdits(src []byte, edits []edit) ([]byte, error) {
	sorted := make([]edit, len(edits))
	copy(sorted, edits)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].start != sorted[j].start {
			return sorted[i].start < sorted[j].start
		}
		// a replacement before an insertion at the same place keeps the
		// insertion from landing inside the replaced range
		return sorted[i].end > sorted[j].end
	})
	var out []byte
	pos := 0
	coverEnd := -1 // end of the last replacement (not insertion) applied
	for _, e := range sorted {
		if e.start < 0 || e.end > len(src) || e.start > e.end {
			return nil, fmt.Errorf("edit [%d,%d) outside the file (%d bytes)", e.start, e.end, len(src))
		}
		if e.start < coverEnd {
			if e.end <= coverEnd {
				continue
			}
			return nil, fmt.Errorf("edits overlap at byte %d", e.start)
		}
		out = append(out, src[pos:e.start]...)
		out = append(out, e.text...)
		pos = e.end
		if e.end > e.start {
			coverEnd = e.end
		}
	}
	return append(out, src[pos:]...), nil
}
