package main

import (
	"bytes"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// TestExitCodes checks the CLI's usage errors and help: wrong invocations
// exit 2 with a message, -h exits 0 and documents the flags.
func TestExitCodes(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		cases := []struct {
			args []string
			code int
			says string
		}{
			{nil, exitUsage, "usage: mr"},
			{[]string{"bogus"}, exitUsage, "unknown command"},
			{[]string{"-h"}, exitOK, "Exit codes"},
			{[]string{"coordinator", "-h"}, exitOK, "-nreduce"},
			{[]string{"coordinator"}, exitUsage, "no input files"},
			{[]string{"coordinator", "-nreduce", "0", "in.txt"}, exitUsage, "-nreduce"},
			{[]string{"worker", "-h"}, exitOK, "-app"},
			{[]string{"worker"}, exitUsage, "usage: mr worker"},
			{[]string{"worker", "-app", "nope", "127.0.0.1:1"}, exitUsage, "unknown app"},
			{[]string{"sequential", "-h"}, exitOK, "-app"},
			{[]string{"sequential"}, exitUsage, "usage: mr sequential"},
			{[]string{"sequential", "-app", "nope", "in.txt"}, exitUsage, "unknown app"},
			{[]string{"sequential", "-bogus"}, exitUsage, "flag provided but not defined"},
		}
		for _, c := range cases {
			var out, errOut bytes.Buffer
			code := run(c.args, &out, &errOut)
			all := out.String() + errOut.String()
			if code != c.code || !strings.Contains(all, c.says) {
				t.Errorf("mr %q: exit %d, want %d; output lacks %q?\n%s", c.args, code, c.code, c.says, all)
			}
		}
	})
}
