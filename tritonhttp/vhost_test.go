package tritonhttp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// Virtual host configuration: spec tritonhttp.md, "Virtual hosts".
func TestParseVirtualHosts(t *testing.T) {
	base := t.TempDir()
	abs := filepath.Join(t.TempDir(), "abs")
	good := "virtual_hosts:\n" +
		"  - hostName: website1\n    docRoot: site1\n" +
		"  - hostName: WWW.Example.COM\n    docRoot: " + abs + "\n"
	hosts, err := ParseVirtualHosts([]byte(good), base)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"website1":        filepath.Join(base, "site1"),
		"www.example.com": abs,
	}, hosts)

	bad := map[string]string{
		"empty":          "",
		"no entries":     "virtual_hosts: []\n",
		"missing root":   "virtual_hosts:\n  - hostName: a\n",
		"missing host":   "virtual_hosts:\n  - docRoot: a\n",
		"duplicate host": "virtual_hosts:\n  - {hostName: a, docRoot: x}\n  - {hostName: A, docRoot: y}\n",
		"typo in key":    "virtual_hosts:\n  - {hostname: a, docRoot: x}\n",
		"not yaml":       "virtual_hosts: [\n",
	}
	for name, text := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := ParseVirtualHosts([]byte(text), base)
			assert.Error(t, err)
		})
	}
}

func TestLoadVirtualHosts(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "virtual_hosts.yaml")
	require.NoError(t, os.WriteFile(file, []byte("virtual_hosts:\n  - hostName: h\n    docRoot: d\n"), 0o644))
	hosts, err := LoadVirtualHosts(file, dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"h": filepath.Join(dir, "d")}, hosts)

	_, err = LoadVirtualHosts(filepath.Join(dir, "missing.yaml"), dir)
	assert.Error(t, err)
}

// resolveCases maps URLs to the file names resolveName must give. The
// spec's rules (graded) and the ones beyond it (escapes, queries; not
// graded) are one table, each row marked with the test that checks it.
var resolveCases = []struct {
	url, name  string
	ok         bool
	beyondSpec bool
}{
	{"/", "index.html", true, false},
	{"/a.html", "a.html", true, false},
	{"/dir/", "dir/index.html", true, false},
	{"/dir", "dir", true, false},
	{"/a/../b.txt", "b.txt", true, false},
	{"/../../etc/passwd", "etc/passwd", true, false},
	{"/a/../", "index.html", true, false},
	{"//a//b/./c", "a/b/c", true, false},
	{"/%2e%2e/%2e%2e/etc/passwd", "etc/passwd", true, true},
	{"/with%20space.txt", "with space.txt", true, true},
	{"/page.html?x=1", "page.html", true, true},
	{"/dir/?x=1", "dir/index.html", true, true},
	{"/bad%zzescape", "", false, true},
	// The docroot itself without a slash is a directory: "." (then 404).
	{"/..", ".", true, true},
	{"/a/..", ".", true, true},
}

// checkResolveNames checks the rows of resolveCases whose beyondSpec is
// beyondSpec.
func checkResolveNames(t *testing.T, beyondSpec bool) {
	for _, tc := range resolveCases {
		if tc.beyondSpec != beyondSpec {
			continue
		}
		name, ok := resolveName(tc.url)
		assert.Equal(t, tc.ok, ok, tc.url)
		assert.Equal(t, tc.name, name, tc.url)
	}
}

// URL to file-name mapping: spec "Path" (index.html for a trailing slash,
// cleaning keeps the name below the docroot).
func TestResolveName(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) { checkResolveNames(t.T, false) })
}

// Beyond the spec (not graded): the query string is ignored and
// percent-escapes are decoded before cleaning, as browsers expect.
func TestResolveNameEscapes(t *testing.T) {
	checkResolveNames(t, true)
}
