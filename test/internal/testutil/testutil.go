// Package testutil holds the few helpers the tools' own tests (test/...)
// share across packages, so each test states what it checks rather than
// repeating the same setup boilerplate.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"distlabs/test/internal/tree"
)

// SkipShort skips t under -short; why says what the test costs. Many tool
// tests build handouts or grade whole labs, too slow for -short.
func SkipShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
}

// ChildOnly skips t unless the environment variable env is set. Tests of
// a process runner or harness run a "test" of their own binary as the child
// process they observe (os.Args[0] with -test.run and env set); run
// directly, such a child is not a test and skips, saying why.
func ChildOnly(t testing.TB, env, why string) {
	t.Helper()
	if os.Getenv(env) == "" {
		t.Skip(why)
	}
}

// ModuleRoot is the root of the distlabs module containing the current
// directory, failing t if there is none: tests that build, copy or grade the
// real tree start from it.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	root, err := tree.ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Abs is filepath.Abs of the joined elems, failing t on error, for tests
// that hand a fixture directory to code that needs an absolute path.
func Abs(t testing.TB, elems ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(elems...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteFiles writes each file of files (slash-separated path relative to
// dir, to its content), creating parent directories, failing t on error:
// fixture trees are built this way throughout the tools' tests.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Git runs git with args in dir and returns its combined output, skipping
// t when there is no git on the PATH: the tests that make a git work tree
// or ask git to check a patch need it, the others do not.
func Git(t testing.TB, dir string, args ...string) ([]byte, error) {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git on the PATH")
	}
	cmd := exec.Command(git, args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}
