package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// runMainEnv makes the test binary act as tritonhttpd, so the test can run
// the real command as a process without building it separately.
const runMainEnv = "TRITONHTTPD_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The command end to end: flags as in the spec, virtual hosts from YAML
// relative to -docroot, an ephemeral loopback port, the access log, and a
// graceful exit (status 0) on SIGTERM.
func TestTritonhttpdProcess(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: tritonhttpd process")
		dir := labtest.TempFiles(t, map[string]string{
			"docroot_dirs/w1/index.html": "website one",
			"docroot_dirs/w2/index.html": "website two",
			"virtual_hosts.yaml":         "virtual_hosts:\n  - hostName: website1\n    docRoot: w1\n  - hostName: website2\n    docRoot: w2\n",
		})
		logFile := filepath.Join(dir, "access.log")
		cmd := exec.Command(os.Args[0], "-port", "0", "-host", "127.0.0.1",
			"-vh_config", filepath.Join(dir, "virtual_hosts.yaml"),
			"-docroot", filepath.Join(dir, "docroot_dirs"), "-access_log", logFile)
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		defer func() {
			_ = cmd.Process.Kill() // no-op once it has exited
			<-exited
		}()

		lines := bufio.NewScanner(stderr)
		if !lines.Scan() {
			go func() { exited <- cmd.Wait() }()
			t.Fatalf("tritonhttpd printed nothing: %v", lines.Err())
		}
		m := regexp.MustCompile(`on (127\.0\.0\.1:\d+)`).FindStringSubmatch(lines.Text())
		go func() {
			_, _ = io.Copy(io.Discard, stderr) // drain, so the process never blocks on stderr
			exited <- cmd.Wait()
		}()
		if m == nil {
			t.Fatalf("unexpected first line %q", lines.Text())
		}
		client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
		for host, want := range map[string]string{"website1": "website one", "website2": "website two"} {
			req, err := http.NewRequest("GET", "http://"+m[1]+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("GET / on %s: %v", host, err)
			}
			body, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close() // fully read
			if err != nil || string(body) != want {
				t.Errorf("GET / on %s: %q, %v; want %q", host, body, err, want)
			}
		}
		client.CloseIdleConnections()

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			exited <- err // for the deferred cleanup
			if err != nil {
				t.Errorf("tritonhttpd exited with %v after SIGTERM, want status 0", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("tritonhttpd still running 20s after SIGTERM")
		}
		log, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(regexp.MustCompile(`"status":200`).FindAll(log, -1)); n != 2 {
			t.Errorf("access log has %d 200 records, want 2:\n%s", n, log)
		}
		t.Passed(1, 2, 0, 0)
	})
}
