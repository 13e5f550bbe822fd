// Package labcmd gives a test the path of a lab's command-line program
// (a main package such as distlabs/mapreduce/cmd/mr) to run as real
// processes.
//
// Run by go test, Build compiles the command with the go command, with
// the grader's compile settings (no cgo, -trimpath). Run by the grader, a test has no go command and no build cache: it runs in a
// sandbox that shows only its own tree, read-only. The grader builds the
// commands a lab's rubric block lists (commands: [...]) beforehand, from
// the same tree, and names their directory in CommandsEnv; Build then
// returns the prebuilt binary.
package labcmd

import (
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
)

// CommandsEnv names the directory of commands the grader prebuilt.
const CommandsEnv = "DISTLABS_COMMANDS"

// Build returns the path of the command built from the main package pkg
// (an import path): the grader's prebuilt copy when CommandsEnv is set,
// else a fresh build into dir, compiled as the grader compiles it
// (test/grade's compileEnv: CGO_ENABLED=0, -trimpath). Besides running
// what the grader runs, the build then shares its compiled packages with
// every step of make test but the race tests (test/check's
// sharedBuildEnv): a test run under -race in the user's environment
// would otherwise compile the standard library, gRPC and SQLite once more,
// with cgo, for its commands alone.
func Build(pkg, dir string) (string, error) {
	name := path.Base(pkg)
	if pre := os.Getenv(CommandsEnv); pre != "" {
		bin := filepath.Join(pre, name)
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("command %s was not prebuilt by the grader (list it under the lab's commands in test/rubric.yaml): %w", pkg, err)
		}
		return bin, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	bin := filepath.Join(dir, name)
	cmd := exec.Command(goBin, "build", "-trimpath", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}
