package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// TestExitCodes checks the command's usage errors and help without a
// ZooKeeper: wrong invocations exit 2 with a message (before any
// connection), -h exits 0 and documents the flags, and put of a missing
// local file exits 1 before it touches the file system.
func TestExitCodes(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		missing := filepath.Join(t.TempDir(), "missing.txt")
		cases := []struct {
			args []string
			code int
			says string
		}{
			{nil, exitUsage, "no command"},
			{[]string{"-h"}, exitOK, "Exit codes"},
			{[]string{"help"}, exitOK, "-wait"},
			{[]string{"bogus"}, exitUsage, "unknown command"},
			{[]string{"-bogus", "ls", "/"}, exitUsage, "flag provided but not defined"},
			{[]string{"-zk", "", "ls", "/"}, exitUsage, "-zk"},
			{[]string{"-zk", "h:1/app/", "ls", "/"}, exitUsage, "-zk"},
			{[]string{"-zk", "h:1,,h:2", "ls", "/"}, exitUsage, "-zk"},
			{[]string{"-wait", "-1s", "ls", "/"}, exitUsage, "-wait"},
			{[]string{"-patience", "0s", "cat", "/f"}, exitUsage, "-patience"},
			{[]string{"serve", "-h"}, exitOK, "-replicas"},
			{[]string{"serve", "-n", "0"}, exitUsage, "-n 0"},
			{[]string{"serve", "-n", "65"}, exitUsage, "-n 65"},
			{[]string{"serve", "-n", "3", "-replicas", "4"}, exitUsage, "-replicas 4"},
			{[]string{"serve", "-replicas", "0"}, exitUsage, "-replicas 0"},
			{[]string{"serve", "-block", "0"}, exitUsage, "-block 0"},
			{[]string{"serve", "-block", "1073741824"}, exitUsage, "-block"},
			{[]string{"serve", "-block", "-1"}, exitUsage, "invalid value"},
			{[]string{"serve", "now"}, exitUsage, "unexpected argument"},
			{[]string{"ls"}, exitUsage, "want 1 argument"},
			{[]string{"ls", "/a", "/b"}, exitUsage, "want 1 argument"},
			{[]string{"ls", "docs"}, exitUsage, "paths are absolute"},
			{[]string{"cat", "-h"}, exitOK, "cat PATH"},
			{[]string{"put", "-h"}, exitOK, "stdin"},
			{[]string{"put", "/x"}, exitUsage, "want 2 argument"},
			{[]string{"put", "a", "x"}, exitUsage, "paths are absolute"},
			{[]string{"put", missing, "/x"}, exitError, "missing.txt"},
			{[]string{"mkdir", ""}, exitUsage, "paths are absolute"},
			{[]string{"rm", "../x"}, exitUsage, "paths are absolute"},
		}
		for _, c := range cases {
			var out, errOut bytes.Buffer
			code := run(c.args, strings.NewReader(""), &out, &errOut)
			all := out.String() + errOut.String()
			if code != c.code || !strings.Contains(all, c.says) {
				t.Errorf("puddlestore %q: exit %d, want %d; output lacks %q?\n%s", c.args, code, c.code, c.says, all)
			}
		}
	})
}

// TestPaths: PATH arguments are cleaned as a shell user expects of a
// path ("/a//b/" is "/a/b"); only relative paths are refused.
func TestPaths(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		for in, want := range map[string]string{"/": "/", "/a/": "/a", "//a//b": "/a/b", "/a/./b/../c": "/a/c", "/..": "/"} {
			if got, err := fsPath(in); err != nil || got != want {
				t.Errorf("fsPath(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
		for _, bad := range []string{"", "a", "./a", "../a", "a/b"} {
			if got, err := fsPath(bad); err == nil {
				t.Errorf("fsPath(%q) = %q, want an error", bad, got)
			}
		}
	})
}
