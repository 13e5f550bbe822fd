package main

// Tests against a real ZooKeeper server, named by DISTLABS_ZK and
// skipped without it (`make test-zookeeper` starts one and runs them).
// Each run works under a chroot of its own, which it deletes at the end,
// so runs against a long-lived server never see each other's files.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"distlabs/coord/zk"
	"distlabs/puddlestore"
	"distlabs/test/labtest"
	"distlabs/test/labtest/labcmd"
)

// zkEnv names the ZooKeeper server the tests use, host:port.
const zkEnv = "DISTLABS_ZK"

// zkServer returns DISTLABS_ZK's server and skips the test without one.
func zkServer(t *testing.T) string {
	addr := os.Getenv(zkEnv)
	if addr == "" {
		t.Skipf("no ZooKeeper server: `make test-zookeeper` starts one (Debian's zookeeperd on 127.0.0.1:2181) and runs this test with %s=127.0.0.1:2181", zkEnv)
	}
	return addr
}

// freshRoot returns a chroot no earlier run used, "/distlabs-test-N", and
// deletes its tree when the test ends.
func freshRoot(t *labtest.T, server string) string {
	root := fmt.Sprintf("/distlabs-test-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		c, err := zk.DialAddr(server, sessionTimeout, connectWait)
		if err != nil {
			t.Errorf("cleanup: dial %s: %v", server, err)
			return
		}
		defer c.Close()
		if err := zk.RemoveAll(c, root); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return root
}

// TestClusterZooKeeper runs the course API on a real ZooKeeper:
// CreateCluster registers its block servers there, and clients (one from
// the cluster, one connected as a separate program would) write, close,
// read, make directories, list and remove. The state lands under the
// test's chroot on the server, and Shutdown unregisters the nodes.
func TestClusterZooKeeper(t *testing.T) {
	server := zkServer(t)
	labtest.RunRealtime(t, func(t *labtest.T) {
		linkZooKeeper()
		root := freshRoot(t, server)
		addr := server + root
		c, err := puddlestore.CreateCluster(puddlestore.Config{BlockSize: 16, NumReplicas: 2, NumTapestry: 3, ZkAddr: addr})
		if err != nil {
			t.Fatalf("CreateCluster on %s: %v", addr, err)
		}
		defer c.Shutdown()
		plain, err := zk.DialAddr(server, sessionTimeout, connectWait)
		if err != nil {
			t.Fatalf("dial %s: %v", server, err)
		}
		defer plain.Close()
		inRoot, err := zk.DialAddr(addr, sessionTimeout, connectWait)
		if err != nil {
			t.Fatalf("dial %s: %v", addr, err)
		}
		defer inRoot.Close()
		if st, err := puddlestore.ReadState(inRoot); err != nil || !st.Created || len(st.Servers) != 3 {
			t.Fatalf("state under %s: %+v, %v; want a cluster with 3 block servers", root, st, err)
		}

		a, err := c.NewClient()
		if err != nil {
			t.Fatalf("NewClient: %v", err)
		}
		defer a.Exit()
		b, err := puddlestore.ConnectZooKeeper(addr)
		if err != nil {
			t.Fatalf("ConnectZooKeeper(%s): %v", addr, err)
		}
		defer b.Exit()

		must(t, "mkdir /d", a.Mkdir("/d"))
		fd, err := a.Open("/d/f", true, true)
		must(t, "open /d/f for write", err)
		must(t, "write", a.Write(fd, 0, []byte("hello, puddlestore")))
		must(t, "write past the end", a.Write(fd, 40, []byte("tail")))
		if got := readAll(t, b, "/d/f"); len(got) != 0 {
			t.Fatalf("before Close another client reads %q, want an empty file", got)
		}
		must(t, "close", a.Close(fd))
		want := append(append([]byte("hello, puddlestore"), make([]byte, 22)...), "tail"...)
		if got := readAll(t, b, "/d/f"); !bytes.Equal(got, want) {
			t.Fatalf("after Close the other client reads %q, want %q", got, want)
		}
		if _, _, err := plain.Get(root + "/puddlestore/fs/d/f"); err != nil {
			t.Fatalf("the file's inode is not under the test's chroot %s: %v", root, err)
		}
		if names, err := b.List("/"); err != nil || !slices.Equal(names, []string{"d"}) {
			t.Fatalf("List / = %v, %v; want [d]", names, err)
		}
		if names, err := b.List("/d"); err != nil || !slices.Equal(names, []string{"f"}) {
			t.Fatalf("List /d = %v, %v; want [f]", names, err)
		}
		if err := b.Remove("/d"); !errors.Is(err, puddlestore.ErrNotEmpty) {
			t.Fatalf("Remove of a full directory: %v, want ErrNotEmpty", err)
		}
		must(t, "remove /d/f", b.Remove("/d/f"))
		must(t, "remove /d", b.Remove("/d"))
		if names, err := a.List("/"); err != nil || len(names) != 0 {
			t.Fatalf("List / after the removals = %v, %v; want nothing", names, err)
		}
		a.Exit()
		b.Exit()
		c.Shutdown()
		if st, err := puddlestore.ReadState(inRoot); err != nil || len(st.Servers) != 0 {
			t.Fatalf("after Shutdown: %+v, %v; want no block server registered", st, err)
		}
	})
}

// must fails t if err is not nil.
func must(t *labtest.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// readAll reads file p whole through c.
func readAll(t *labtest.T, c puddlestore.Client, p string) []byte {
	t.Helper()
	fd, err := c.Open(p, false, false)
	must(t, "open "+p, err)
	data, err := c.Read(fd, 0, 1<<20)
	must(t, "read "+p, err)
	must(t, "close "+p, c.Close(fd))
	return data
}

// TestCommandZooKeeper runs the command as a person would: serve in the
// background under a fresh chroot, then client commands as processes of
// their own, each checked for its output and exit code; a second serve
// under the same root is refused, and an interrupt stops the cluster
// cleanly (exit 0).
func TestCommandZooKeeper(t *testing.T) {
	server := zkServer(t)
	labtest.RunRealtime(t, func(t *labtest.T) {
		dir := t.TempDir()
		bin, err := labcmd.Build("distlabs/puddlestore/cmd/puddlestore", dir)
		if err != nil {
			t.Fatal(err)
		}
		addr := server + freshRoot(t, server)
		srv := exec.Command(bin, "-zk", addr, "serve", "-n", "4", "-replicas", "2", "-block", "64")
		srv.Dir = dir
		out, err := srv.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var srvErr bytes.Buffer
		srv.Stderr = &srvErr
		if err := srv.Start(); err != nil {
			t.Fatalf("start serve: %v", err)
		}
		done := false
		defer func() {
			if !done {
				_ = srv.Process.Kill() // the test failed before the interrupt
				_ = srv.Wait()
			}
		}()
		lines := bufio.NewScanner(out)
		ready := make(chan bool, 1)
		go func() { ready <- lines.Scan() && strings.HasPrefix(lines.Text(), "serving 4 nodes") }()
		select {
		case ok := <-ready:
			if !ok {
				t.Fatalf("serve's first line %q, want \"serving 4 nodes ...\"; stderr:\n%s", lines.Text(), srvErr.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("serve printed no \"serving\" line within 60 s; stderr:\n%s", srvErr.String())
		}

		// shell runs one client command and checks its exit code and
		// output (stdout, or stderr when it fails).
		shell := func(stdin string, code int, want string, args ...string) {
			t.Helper()
			cmd := exec.Command(bin, append([]string{"-zk", addr}, args...)...)
			cmd.Dir = dir
			cmd.Stdin = strings.NewReader(stdin)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			got := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				got = exit.ExitCode()
			} else if err != nil {
				t.Fatalf("puddlestore %q: %v", args, err)
			}
			text := stdout.String()
			if code != exitOK {
				text = stderr.String()
			}
			if got != code || (code == exitOK && text != want) || (code != exitOK && !strings.Contains(text, want)) {
				t.Fatalf("puddlestore %q: exit %d, stdout %q, stderr %q; want exit %d and %q", args, got, stdout.String(), stderr.String(), code, want)
			}
		}
		local := filepath.Join(dir, "notes.txt")
		body := strings.Repeat("a line of notes\n", 20) // several 64-byte blocks
		if err := os.WriteFile(local, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		shell("", exitOK, "", "mkdir", "/docs")
		shell("", exitOK, "", "put", local, "/docs/notes.txt")
		shell("from stdin\n", exitOK, "", "put", "-", "/docs/in")
		shell("", exitOK, body, "cat", "/docs/notes.txt")
		shell("", exitOK, "from stdin\n", "cat", "/docs/in")
		shell("short\n", exitOK, "", "put", "-", "/docs/notes.txt") // replaces, no old tail
		shell("", exitOK, "short\n", "cat", "/docs/notes.txt")
		shell("", exitOK, "docs/\n", "ls", "/")
		shell("", exitOK, "in\nnotes.txt\n", "ls", "/docs/")
		shell("", exitOK, "in\n", "ls", "/docs/in")
		shell("", exitError, "not empty", "rm", "/docs")
		shell("", exitError, "no such file", "cat", "/docs/none")
		shell("", exitError, "no such file", "mkdir", "/none/sub")
		shell("", exitError, "is a directory", "put", local, "/docs")
		shell("", exitOK, "", "rm", "/docs/in")
		shell("", exitOK, "notes.txt\n", "ls", "/docs")
		shell("", exitError, "already serves", "serve", "-n", "1", "-replicas", "1")
		other := server + freshRoot(t, server)
		shell("", exitNoCluster, "no cluster serves", "-zk", other, "ls", "/")

		if err := srv.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatalf("interrupt serve: %v", err)
		}
		var rest []string
		for lines.Scan() { // until serve exits and the pipe closes
			rest = append(rest, lines.Text())
		}
		done = true
		if err := srv.Wait(); err != nil || !slices.Equal(rest, []string{"stopped"}) {
			t.Fatalf("serve after an interrupt: %v, stdout %q, stderr:\n%s", err, rest, srvErr.String())
		}
		shell("", exitNoCluster, "no block servers", "cat", "/docs/notes.txt")
		shell("", exitNoCluster, "no block servers", "ls", "/")
	})
}
