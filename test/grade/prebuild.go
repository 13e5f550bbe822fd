package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// On a cold build cache the labs' test binaries spend minutes compiling
// what they import (the standard library, gRPC, SQLite) inside `go test
// -c`, which says nothing until it is done: a TA saw two lines in eleven
// minutes and could not tell a busy grader from a stuck one. So the
// grader first compiles those packages itself with `go build -v`, which
// names each package as it starts compiling it, and turns the names into
// counted progress lines. The test binaries then find them in the cache.

// progressEvery is the least time between two progress lines while
// packages compile: a cold build compiles a few hundred packages, most
// in well under a second, and a line for each would bury the rest of
// the log. The first and the last package always get a line.
const progressEvery = 2 * time.Second

// prebuild compiles the packages that the labs' test binaries are built
// from and that are not in the build cache, with the environment the
// test binaries are compiled with (so the cache entries are the ones
// `go test -c` looks up), and reports progress on log. A package that
// fails to compile is left to `go test -c`, which reports it for the lab;
// so is any failure of prebuild itself, which only costs the progress
// lines.
func prebuild(ctx context.Context, tree string, labs []*Lab, log io.Writer) {
	if len(labs) == 0 {
		return
	}
	start := time.Now()
	stale, err := stalePackages(ctx, tree, labs)
	if err != nil {
		fmt.Fprintf(log, "grade: cannot list the packages to compile (%v); building without progress lines\n", err)
		return
	}
	if len(stale) == 0 {
		return // a warm cache: nothing to wait for
	}
	fmt.Fprintf(log, "grade: compiling %d package(s) the test binaries need (a cold build cache takes minutes)...\n", len(stale))
	want := make(map[string]bool, len(stale))
	for _, p := range stale {
		want[p] = true
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-v"}, stale...)...)
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), compileEnv...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		fmt.Fprintf(log, "grade: compiling without progress lines: %v\n", err)
		return
	}
	ownChildren.RLock()
	defer ownChildren.RUnlock()
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(log, "grade: compiling without progress lines: %v\n", err)
		return
	}
	done := countCompiled(pipe, want, len(stale), log, progressEvery)
	// A compile error is the lab's to report (go test -c says it again,
	// for the lab it belongs to), so the exit status only shapes the
	// summary line.
	verdict := "compiled"
	if err := cmd.Wait(); err != nil {
		verdict = "compiled (the rest failed; the labs' builds say why)"
	}
	fmt.Fprintf(log, "grade: %s %d of %d package(s) in %v\n", verdict, done, len(stale), time.Since(start).Round(100*time.Millisecond))
}

// stalePackages lists the packages (not test variants, not test mains)
// that the labs' test binaries are built from and that the build cache
// lacks, as the go command sees them with the grader's compile flags.
func stalePackages(ctx context.Context, tree string, labs []*Lab) ([]string, error) {
	args := []string{"-e", "-deps", "-test", "-f", `{{if and .Stale (not .ForTest) (ne .Name "main")}}{{.ImportPath}}{{end}}`}
	for _, lab := range labs {
		args = append(args, lab.Package)
	}
	stdout, err := goList(ctx, tree, args...)
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var out []string
	seen := map[string]bool{}
	for line := range strings.Lines(string(stdout)) {
		p := strings.TrimSpace(line)
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// countCompiled reads `go build -v` output from r, where each package the
// go command starts compiling is a line of its own (compile errors are
// other lines), and writes "(n/total) path" lines to log, at most one per
// every apart except for the first and the last package. It returns how
// many of the wanted packages were named.
func countCompiled(r io.Reader, want map[string]bool, total int, log io.Writer, every time.Duration) int {
	n := 0
	var last time.Time
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p := strings.TrimSpace(sc.Text())
		if !want[p] {
			continue
		}
		want[p] = false // counted once, whatever the go command prints
		n++
		if n == 1 || n == total || time.Since(last) >= every {
			fmt.Fprintf(log, "grade: compiling (%d/%d) %s\n", n, total, p)
			last = time.Now()
		}
	}
	if sc.Err() != nil {
		// A line longer than the scanner takes (a compile error can be)
		// stops it; the rest must still be read, or the go command
		// blocks on a full pipe. Progress lines are all that is lost, so
		// neither error is worth more than the count so far.
		_, _ = io.Copy(io.Discard, r)
	}
	return n
}
