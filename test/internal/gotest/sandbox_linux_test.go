package gotest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSandboxHelper is a child of TestSandboxIsolates, not a test. It
// prints one "probe: name=value" line per property.
func TestSandboxHelper(t *testing.T) {
	helperOnly(t)
	report := func(name string, v any) { fmt.Printf("probe: %s=%v\n", name, v) }
	_, err := os.Stat("/proc/self/mem")
	report("proc", err == nil)
	report("uid", os.Getuid())
	wd, _ := os.Getwd()
	report("cwd-writable", os.WriteFile(filepath.Join(wd, "x"), nil, 0o644) == nil)
	report("tmp-writable", os.WriteFile("/tmp/x", []byte("x"), 0o644) == nil)
	report("host-visible", exists(os.Getenv(helperEnv)))
	report("path", os.Getenv("PATH"))
	report("secret", os.Getenv("GOTEST_SECRET"))
	l, err := net.Listen("tcp", "localhost:0")
	if err == nil {
		c, derr := net.Dial("tcp", l.Addr().String())
		report("loopback", derr == nil)
		if derr == nil {
			c.Close()
		}
		l.Close()
	} else {
		report("loopback", err)
	}
	_, err = exec.LookPath("sh")
	report("shell", err == nil)
	if dir := os.Getenv("GOTEST_ARTIFACTS"); dir != "" {
		report("artifact", os.WriteFile(filepath.Join(dir, "viz.html"), []byte("<html>"), 0o644) == nil)
		report("artifact-link", os.Symlink("/etc/hosts", filepath.Join(dir, "link.html")) == nil)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestSandboxIsolates: a sandboxed test sees no /proc, runs as an
// unprivileged uid, can write only its scratch /tmp, sees no host path it
// was not given, no variable of the runner's environment beyond the
// allowed ones, no shell, and has a working loopback.
func TestSandboxIsolates(t *testing.T) {
	if err := SandboxError(); err != nil {
		t.Skipf("no sandbox here: %v", err)
	}
	hostDir := t.TempDir()
	t.Setenv("GOTEST_SECRET", "leaked")
	bin, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	res := runHelper(t, Spec{
		Bin: bin, Dir: wd, Test: "TestSandboxHelper", Timeout: time.Minute,
		MemLimit: 1 << 30, Env: []string{helperEnv + "=" + hostDir},
		Sandbox: &Sandbox{ReadOnly: []string{wd}},
	})
	for _, want := range []string{"proc=false", "uid=1000", "cwd-writable=false", "tmp-writable=true",
		"host-visible=false", "path=/nonexistent", "secret=\n", "loopback=true", "shell=false"} {
		if !strings.Contains(res.Output, "probe: "+want) {
			t.Errorf("sandboxed helper: want %q in\n%s", want, res.Output)
		}
	}
}

// TestSandboxArtifacts: a file the test leaves in the artifacts directory
// is on the host afterwards at the path the test wrote it to; a symbolic
// link is not followed or copied.
func TestSandboxArtifacts(t *testing.T) {
	if err := SandboxError(); err != nil {
		t.Skipf("no sandbox here: %v", err)
	}
	bin, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	art := t.TempDir()
	res := Run(context.Background(), Spec{
		Bin: bin, Dir: wd, Test: "TestSandboxHelper", Timeout: time.Minute,
		Env:     []string{helperEnv + "=/nonexistent", "GOTEST_ARTIFACTS=" + art},
		Sandbox: &Sandbox{ReadOnly: []string{wd}}, Artifacts: art,
	})
	if res.Status != Pass || !strings.Contains(res.Output, "probe: artifact=true") {
		t.Fatalf("helper: %s (%s)\n%s", res.Status, res.Reason, res.Output)
	}
	if b, err := os.ReadFile(filepath.Join(art, "viz.html")); err != nil || string(b) != "<html>" {
		t.Errorf("the artifact did not reach the host: %q %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(art, "link.html")); err == nil {
		t.Errorf("a symbolic link was copied out of the sandbox")
	}
}

// BenchmarkRun measures what a sandbox adds to one test process: the same
// trivial test run plainly, with limits (the launcher execs in place) and
// in a sandbox.
//
//	go test ./test/internal/gotest -run '^$' -bench BenchmarkRun -count 5
func BenchmarkRun(b *testing.B) {
	bin, err := filepath.Abs(os.Args[0])
	if err != nil {
		b.Fatal(err)
	}
	wd, _ := os.Getwd()
	for _, c := range []struct {
		name string
		sb   *Sandbox
		mem  int64
	}{
		{"plain", nil, 0},
		{"limits", nil, 1 << 30},
		{"sandbox", &Sandbox{ReadOnly: []string{wd}}, 1 << 30},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.sb != nil && SandboxError() != nil {
				b.Skip("no sandbox here")
			}
			for b.Loop() {
				res := Run(context.Background(), Spec{Bin: bin, Dir: wd, Run: "^TestSandboxHelper$", Timeout: time.Minute, MemLimit: c.mem, Sandbox: c.sb})
				if res.Status != Pass {
					b.Fatalf("%s: %s\n%s", res.Status, res.Reason, res.Output)
				}
			}
		})
	}
}
