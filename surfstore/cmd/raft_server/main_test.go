package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// TestFlagsAndConfigErrors: -h explains every flag and exits 0; bad flags
// exit 2 and a bad or missing config exits 1, each with a one-line reason.
func TestFlagsAndConfigErrors(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		write := func(name, body string) string {
			p := filepath.Join(dir, name)
			require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
			return p
		}
		good := write("good.json", `{"RaftAddrs": ["localhost:1","localhost:2"], "BlockAddrs": ["localhost:3"]}`)
		bad := write("bad.json", `{"RaftAddrs": [`)

		var out bytes.Buffer
		require.Equal(t, 0, run([]string{"-h"}, &out, make(chan os.Signal, 1)))
		for _, f := range []string{"-f", "-i", "-d", "RaftAddrs"} {
			require.Contains(t, out.String(), f, "-h explains %s", f)
		}
		for _, tc := range []struct {
			args []string
			code int
			want string
		}{
			{[]string{"-x"}, 2, "not defined"},
			{[]string{"-i", "zero", "-f", good}, 2, "invalid value"},
			{[]string{"-i", "0"}, 2, "-f"},
			{[]string{"-f", good}, 2, "-i"},
			{[]string{"-f", good, "-i", "0", "extra"}, 2, "unexpected argument"},
			{[]string{"-f", filepath.Join(dir, "missing.json"), "-i", "0"}, 1, "missing.json"},
			{[]string{"-f", bad, "-i", "0"}, 1, "bad.json"},
			{[]string{"-f", good, "-i", "2"}, 1, "2 raft servers"},
		} {
			out.Reset()
			code := run(tc.args, &out, make(chan os.Signal, 1))
			require.Equal(t, tc.code, code, "%v: exit status; output %q", tc.args, out.String())
			lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
			require.Len(t, lines, 1, "%v: one line of reason, got %q", tc.args, out.String())
			require.Contains(t, lines[0], tc.want, "%v", tc.args)
			require.True(t, strings.HasPrefix(lines[0], "raft_server: "), "%v: %q", tc.args, lines[0])
		}
	})
}

// TestServesUntilSignal: with a good config the server listens on its
// address (port 0: any free loopback port) and exits 0 on a signal.
func TestServesUntilSignal(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		p := filepath.Join(t.TempDir(), "c.json")
		require.NoError(t, os.WriteFile(p, []byte(`{"RaftAddrs": ["127.0.0.1:0"], "BlockAddrs": []}`), 0o644))
		sig := make(chan os.Signal, 1)
		var out bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- run([]string{"-f", p, "-i", "0", "-d"}, &out, sig) }()
		time.Sleep(100 * time.Millisecond)
		select {
		case code := <-done:
			t.Fatalf("exited with %d before the signal: %s", code, out.String())
		default:
		}
		sig <- os.Interrupt
		select {
		case code := <-done:
			require.Equal(t, 0, code, "output %q", out.String())
		case <-time.After(10 * time.Second):
			t.Fatal("did not stop on the signal")
		}
	})
}
