package solution

import (
	"strings"
	"testing"
)

// TestStripStaff: staff-only sections go, with their marker lines and the
// blank line they leave; unbalanced or nested markers are errors with the
// line.
func TestStripStaff(t *testing.T) {
	src := "# Lab\n\n" + staffBegin + "\nA reference solution.\n" + staffEnd + "\n" + handoutBegin + "\nDo this.\n" + handoutEnd + "\n\n" +
		staffBegin + "\n## How the reference does it\n\nSecret.\n" + staffEnd + "\n\n## Testing\n\ngo test\n"
	out, n, err := StripStaff("README.md", src)
	if err != nil || n != 2 {
		t.Fatalf("StripStaff: %d sections, %v", n, err)
	}
	if want := "# Lab\n\nDo this.\n\n## Testing\n\ngo test\n"; out != want {
		t.Errorf("got:\n%q\nwant:\n%q", out, want)
	}
	for name, bad := range map[string]string{
		"unclosed": "a\n" + staffBegin + "\nb\n",
		"stray":    "a\n" + staffEnd + "\n",
		"nested":   staffBegin + "\n" + staffBegin + "\n" + staffEnd + "\n" + staffEnd + "\n",
		"handout":  handoutBegin + "\nnever closed\n",
	} {
		if _, _, err := StripStaff("R.md", bad); err == nil || !strings.Contains(err.Error(), "R.md:") {
			t.Errorf("%s: err %v; want an error naming the line", name, err)
		}
	}
}
