package mapreduce_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
	"distlabs/test/labtest/labcmd"
)

// buildCLI compiles mapreduce/cmd/mr into dir and returns the binary's path.
func buildCLI(t *labtest.T, dir string) string {
	t.Helper()
	bin, err := labcmd.Build("distlabs/mapreduce/cmd/mr", dir)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestRealProcesses runs the CLI for real: a coordinator process on an
// ephemeral loopback port and three worker processes sharing a temporary
// directory, over TCP. The output must equal `mr sequential`'s.
func TestRealProcesses(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		t.Begin("Test: coordinator and 3 worker processes over TCP")
		bin := buildCLI(t, t.TempDir())
		files := genInputs(t, 40000)
		ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
		defer cancel()

		seqDir := t.TempDir()
		seq := exec.CommandContext(ctx, bin, append([]string{"sequential", "-app", "wc"}, files...)...)
		seq.Dir = seqDir
		if out, err := seq.CombinedOutput(); err != nil {
			t.Fatalf("mr sequential: %v\n%s", err, out)
		}
		want := outputLines(t, seqDir)

		jobDir := t.TempDir()
		coord := exec.CommandContext(ctx, bin, append([]string{"coordinator", "-addr", "127.0.0.1:0", "-nreduce", "5"}, files...)...)
		coord.Dir = jobDir
		var stderr strings.Builder
		coord.Stderr = &stderr
		stdout, err := coord.StdoutPipe()
		if err != nil {
			t.Fatalf("coordinator stdout: %v", err)
		}
		if err := coord.Start(); err != nil {
			t.Fatalf("start coordinator: %v", err)
		}
		out := bufio.NewReader(stdout)
		line, err := out.ReadString('\n')
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
		if err != nil || !ok {
			coord.Process.Kill()
			coord.Wait()
			t.Fatalf("coordinator's first line %q (%v), want \"listening on ADDR\"; stderr:\n%s", line, err, stderr.String())
		}

		workers := make([]*exec.Cmd, 3)
		for i := range workers {
			w := exec.CommandContext(ctx, bin, "worker", "-app", "wc", "-poll", "20ms", addr)
			w.Dir = jobDir
			w.Stderr = &prefixWriter{t: t, prefix: "worker: "}
			if err := w.Start(); err != nil {
				t.Fatalf("start worker: %v", err)
			}
			workers[i] = w
		}
		type exit struct {
			err    error
			stdout []byte
		}
		coordExit := make(chan exit, 1)
		go func() {
			rest, _ := io.ReadAll(out) // until the coordinator exits
			coordExit <- exit{coord.Wait(), rest}
		}()
		for i, w := range workers {
			// 0: told to exit; 4: found the coordinator gone. Both are a
			// normal end once the job is done.
			var exit *exec.ExitError
			if err := w.Wait(); err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 4) {
				t.Errorf("worker %d: %v", i, err)
			}
		}
		// Workers end only after the job is done, so the coordinator must
		// follow promptly (it lingers 1 s); the limit only bounds a failure.
		select {
		case e := <-coordExit:
			if e.err != nil {
				t.Fatalf("coordinator: %v (stdout %q, stderr %q)", e.err, e.stdout, stderr.String())
			}
		case <-time.After(20 * time.Second):
			cancel()
			<-coordExit
			t.Fatalf("every worker exited but the coordinator did not finish the job")
		}
		compareLines(t, "wc over TCP", outputLines(t, jobDir), want)
		t.Passed(4, 0, 0, len(want))
	})
}

// prefixWriter logs a process's stderr through the test log.
type prefixWriter struct {
	t      *labtest.T
	prefix string
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Log(w.prefix + strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
