package main

import (
	"regexp"
	"strings"
)

// testBuildFlags are the flags of every `go test -c` the grader runs. vet
// is off: go test -c runs a subset of go vet and fails the build on a
// finding (a printf format in a debug print stopped a whole kvpaxos
// submission), but vet findings are style, not the lab's rules, and a
// submission is graded on what its tests do.
var testBuildFlags = []string{"-vet=off"}

// compileErrorLine matches a compiler diagnostic: file.go:line:col: text
// (or file.go:line: text).
var compileErrorLine = regexp.MustCompile(`^\S+\.go:\d+(:\d+)?: `)

// buildError says what stopped a failed build: the first diagnostic the
// compiler printed, rather than the go command's exit status. Without one
// (the go command failed before compiling, say on go.mod), the error's
// first line.
func buildError(err error) string {
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); compileErrorLine.MatchString(line) {
			return line
		}
	}
	return firstLine(err.Error())
}
