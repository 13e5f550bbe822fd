package labtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// ReplayCommand returns the go test command that reruns test name with
// seed, from the module root: go test ./raft -run '^TestX$' -seed 4711.
func ReplayCommand(name string, seed int64) string {
	top := name
	if i := strings.IndexByte(name, '/'); i >= 0 {
		top = name[:i] // subtests: rerun the whole top-level test
	}
	cmd := "go test " + packagePath() + " -run '^" + regexp.QuoteMeta(top) + "$' -seed " + itoa(seed)
	if Realtime() {
		cmd += " -realtime"
	}
	return cmd
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for {
		i--
		b[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// packagePath is the package directory relative to the module root, which
// go test makes the working directory of the test binary.
func packagePath() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil || rel == "." {
				return "."
			}
			return "./" + filepath.ToSlash(rel)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "."
		}
		dir = parent
	}
}
