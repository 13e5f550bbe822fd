package solution

import (
	"strings"
	"testing"
)

func TestStubReplacesRegion(t *testing.T) {
	src := `package p

import (
	"fmt"
	"os"
)

// F is marked.
func F() string {
	@@begin 2A
	return fmt.Sprint(os.Args)
	@@stub
	// // Your code here.
	// return ""
	@@end
}
`
	// "@@" stands for the marker prefix, so that the handout generator does
	// not take these lines of the raw string for markers of this file.
	src = strings.ReplaceAll(src, "@@", markerPrefix)
	res, err := StripFile("p.go", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := string(res.Src)
	want := `package p

// F is marked.
func F() string {
	// Your code here.
	return ""
}
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if res.Regions != 1 {
		t.Fatalf("regions = %d", res.Regions)
	}
}

func TestImportStillUsedIsKept(t *testing.T) {
	src := "package p\n\nimport \"fmt\"\n\nfunc F() {\n\t//solution:begin\n\tfmt.Println(1)\n\t//solution:end\n}\n\nfunc G() { fmt.Println(2) }\n"
	res, err := StripFile("p.go", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Src), `import "fmt"`) || strings.Contains(string(res.Src), "Println(1)") {
		t.Fatalf("got:\n%s", res.Src)
	}
}

func TestUpToKeepsPartsThroughIt(t *testing.T) {
	src := "package p\n\nfunc A() int {\n\t//solution:begin 2A\n\treturn 1\n\t//solution:stub\n\t// return 0\n\t//solution:end\n}\n\nfunc B() int {\n\t//solution:begin 2B\n\treturn 2\n\t//solution:stub\n\t// return 0\n\t//solution:end\n}\n"
	for _, c := range []struct {
		upto         string
		kept, gone   []string
		nKept, nStub int
	}{
		{upto: "2A", kept: []string{"return 1"}, gone: []string{"return 2"}, nKept: 1, nStub: 1},
		{upto: "2B", kept: []string{"return 1", "return 2"}, nKept: 2},
		{upto: "", gone: []string{"return 1", "return 2"}, nStub: 2},
	} {
		res, err := StripFile("p.go", []byte(src), Options{UpTo: c.upto})
		if err != nil {
			t.Fatal(err)
		}
		got := string(res.Src)
		for _, k := range c.kept {
			if !strings.Contains(got, k) {
				t.Errorf("UpTo=%q: reference %q missing:\n%s", c.upto, k, got)
			}
		}
		for _, g := range append(c.gone, "solution:") {
			if strings.Contains(got, g) {
				t.Errorf("UpTo=%q: %q left in:\n%s", c.upto, g, got)
			}
		}
		if res.Kept != c.nKept || res.Regions != c.nStub {
			t.Errorf("UpTo=%q: kept %d stubbed %d, want %d and %d", c.upto, res.Kept, res.Regions, c.nKept, c.nStub)
		}
	}
}

func TestSolutionFileDropped(t *testing.T) {
	res, err := StripFile("s.go", []byte("//solution:file 3A\n\npackage p\n"), Options{})
	if err != nil || !res.Drop {
		t.Fatalf("drop=%v err=%v", res.Drop, err)
	}
	res, err = StripFile("s.go", []byte("//solution:file 3A\n\npackage p\n"), Options{UpTo: "3A"})
	if err != nil || res.Drop || strings.Contains(string(res.Src), "solution:") {
		t.Fatalf("UpTo=3A keeps a 3A file without its marker: drop=%v err=%v src=%q", res.Drop, err, res.Src)
	}
}

func TestMarkerErrors(t *testing.T) {
	for name, src := range map[string]string{
		"nested":       "package p\n//solution:begin\n//solution:begin\n//solution:end\n//solution:end\n",
		"stray end":    "package p\n//solution:end\n",
		"unclosed":     "package p\n//solution:begin\nvar x = 1\n",
		"stub code":    "package p\n//solution:begin\n//solution:stub\nvar x = 1\n//solution:end\n",
		"stub outside": "package p\n//solution:stub\n",
		"unknown":      "package p\n//solution:bgin\n",
		"two tags":     "package p\n//solution:begin 2A 2B\n//solution:end\n",
		"late file":    "package p\n//solution:file\n",
	} {
		if _, err := StripFile("x.go", []byte(src), Options{}); err == nil {
			t.Errorf("%s: no error", name)
		} else if !strings.Contains(err.Error(), "x.go:") {
			t.Errorf("%s: error lacks the position: %v", name, err)
		}
	}
}

func TestPartLess(t *testing.T) {
	ordered := []string{"1", "2A", "2B", "2D", "3A", "10A"}
	for i := range ordered {
		for j := range ordered {
			if got := PartLess(ordered[i], ordered[j]); got != (i < j) {
				t.Errorf("PartLess(%s, %s) = %v", ordered[i], ordered[j], got)
			}
		}
	}
}

func TestImportName(t *testing.T) {
	for path, want := range map[string]string{
		"math/rand/v2": "rand", "gopkg.in/yaml.v3": "yaml", "go.yaml.in/yaml/v3": "yaml",
		"github.com/anishathalye/porcupine": "porcupine", "github.com/x/go-foo": "foo", "fmt": "fmt",
	} {
		if got := guessName(path); got != want {
			t.Errorf("name of %s = %q, want %q", path, got, want)
		}
	}
}

// TestRemovedImportLeavesNoGap: the import block of the handout reads as if
// written by hand, without a blank line where an unused import was.
func TestRemovedImportLeavesNoGap(t *testing.T) {
	src := "package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)\n\nfunc F() string {\n\t//solution:begin\n\treturn os.Args[0]\n\t//solution:end\n\treturn fmt.Sprint(strings.ToUpper(\"x\"))\n}\n"
	res, err := StripFile("p.go", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "import (\n\t\"fmt\"\n\t\"strings\"\n)\n"; !strings.Contains(string(res.Src), want) {
		t.Fatalf("got:\n%s\nwant the block:\n%s", res.Src, want)
	}
}
