package labtest

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
)

// ReplayCommand returns the go test command that reruns test name with
// seed, from the module root, asking for the run's timeline page:
// go test ./raft -run '^TestX$' -seed 4711 -timeline TestX.html.
func ReplayCommand(name string, seed int64) string {
	top := name
	if i := strings.IndexByte(name, '/'); i >= 0 {
		top = name[:i] // subtests: rerun the whole top-level test
	}
	cmd := "go test " + packagePath() + " -run '^" + regexp.QuoteMeta(top) + "$' -seed " + strconv.FormatInt(seed, 10)
	if Realtime() {
		cmd += " -realtime"
	}
	return cmd + " -timeline " + fileName(top) + ".html"
}

// packagePath is the package directory relative to the module root. The
// test binary's build info names its package ("distlabs/raft.test" in module
// "distlabs"), whatever directory it runs in; failing that, go test makes
// the package directory the working directory.
func packagePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		pkg := strings.TrimSuffix(bi.Path, ".test")
		if pkg == bi.Main.Path {
			return "."
		}
		if rel, ok := strings.CutPrefix(pkg, bi.Main.Path+"/"); ok {
			return "./" + rel
		}
	}
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
