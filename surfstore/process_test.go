package surfstore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"distlabs/test/labtest"
	"distlabs/test/labtest/labcmd"
)

// The commands as processes over loopback TCP (real time): two BlockStore
// servers and a MetaStore server on ephemeral ports, two client processes
// syncing their directories, print_block_mapping checked against the ring,
// bad arguments refused with status 2, and SIGTERM ending the servers
// cleanly.

// buildCommands compiles the commands the test runs into dir, as the
// grader would (labcmd).
func buildCommands(t *labtest.T, dir string) {
	t.Helper()
	for _, name := range []string{"server", "client", "print_block_mapping"} {
		if _, err := labcmd.Build("distlabs/surfstore/cmd/"+name, dir); err != nil {
			t.Fatal(err)
		}
	}
}

// startServer starts bin/server with args and returns its address (from
// its first line, "listening on ADDR") and the running process.
func startServer(t *labtest.T, ctx context.Context, bin string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "server"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("server %v: first line %q (%v), want \"listening on ADDR\"; stderr: %s", args, line, err, stderr.String())
	}
	return addr, cmd
}

// run runs bin/name with args and returns its exit status and stderr.
func run(t *labtest.T, ctx context.Context, bin, name string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("%s %v: %v", name, args, err)
	return 0, "", ""
}

func TestRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the commands; skipped with -short")
	}
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: surfstore servers and clients as processes over TCP")
		bin := t.TempDir()
		buildCommands(t, bin)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		b0, p0 := startServer(t, ctx, bin, "-s", "block", "-p", "0", "-l")
		b1, p1 := startServer(t, ctx, bin, "-s", "block", "-p", "0", "-l")
		meta, pm := startServer(t, ctx, bin, "-s", "meta", "-p", "0", "-l", b0, b1)
		work := t.TempDir()
		config := filepath.Join(work, "config.json")
		write(t, work, "config.json", fmt.Appendf(nil, `{"RaftAddrs": [%q], "BlockAddrs": [%q, %q]}`, meta, b0, b1))
		a, b := t.TempDir(), t.TempDir()
		files := map[string][]byte{"x.txt": []byte("hello over TCP\n"), "big": randomBytes(t, 100*1024+5), "empty": {}}
		for name, d := range files {
			write(t, a, name, d)
		}
		for _, dir := range []string{a, b} {
			if code, _, stderr := run(t, ctx, bin, "client", "-f", config, dir, "1024"); code != 0 {
				t.Fatalf("client %s: exit %d: %s", dir, code, stderr)
			}
		}
		want := map[string]entry{}
		for name, d := range files {
			want[name] = entry{1, d}
		}
		checkSynced(t, 1024, files, want, a, b)
		code, out, stderr := run(t, ctx, bin, "print_block_mapping", "-f", config, b, "1024")
		if code != 0 {
			t.Fatalf("print_block_mapping: exit %d: %s", code, stderr)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != len(hashList(files["big"], 1024))+1 { // big's blocks are distinct, plus x.txt's
			t.Fatalf("print_block_mapping printed %d lines:\n%s", len(lines), out)
		}
		for _, l := range lines {
			h, addr, _ := strings.Cut(l, " ")
			if want := owner([]string{b0, b1}, h); addr != want {
				t.Fatalf("print_block_mapping: %s on %s, the ring says %s", h, addr, want)
			}
		}
		bad := [][]string{
			{"client"},
			{"client", "-f", config, a},
			{"client", "-f", config, a, "0"},
			{"client", "-f", filepath.Join(work, "missing.json"), a, "1024"},
			{"client", "-nosuchflag"},
			{"server", "-s", "nosuch"},
			{"server", "-s", "meta"},
			{"server", "-s", "block", "-p", "70000"},
		}
		write(t, work, "bad.json", []byte(`{"RaftAddrs": []}`))
		bad = append(bad, []string{"client", "-f", filepath.Join(work, "bad.json"), a, "1024"})
		for _, args := range bad {
			code, _, stderr := run(t, ctx, bin, args[0], args[1:]...)
			if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Fatalf("%v: exit %d, stderr %q; want exit 2 and a one-line reason", args, code, stderr)
			}
		}
		for _, name := range []string{"client", "server", "print_block_mapping"} {
			code, _, usage := run(t, ctx, bin, name, "-h")
			if code != 0 || !strings.Contains(usage, "usage: "+name) || !strings.Contains(usage, "-d") {
				t.Fatalf("%s -h: exit %d, %q; want the usage and exit 0", name, code, usage)
			}
		}
		for _, p := range []*exec.Cmd{p0, p1, pm} {
			if err := p.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if err := p.Wait(); err != nil {
				t.Fatalf("server after SIGTERM: %v", err)
			}
		}
		t.Passed(5, 0, 0, 0)
	})
}
