package labtest_test

import (
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

const testNonce = "0123456789abcdef0123456789ABCDEF"

// runWithVerdicts runs one fixture test as the grader does: the write end
// of a pipe as fd 3 and the nonce in a second pipe as fd 4. It returns the
// test's output and everything written to the pipe.
func runWithVerdicts(t *testing.T, name, nonce string, env ...string) (out, verdicts string) {
	t.Helper()
	return runWithVerdictsArgs(t, name, nonce, nil, env...)
}

// runWithVerdictsArgs is runWithVerdicts with extra test flags.
func runWithVerdictsArgs(t *testing.T, name, nonce string, args []string, env ...string) (out, verdicts string) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run", "^" + name + "$", "-test.v"}, args...)...)
	nr, nw, err := os.Pipe()
	require.NoError(t, err)
	_, err = nw.WriteString(nonce + "\n")
	require.NoError(t, err)
	require.NoError(t, nw.Close())
	defer nr.Close()
	cmd.Env = append(append(os.Environ(), fixtureEnv+"=1", labtest.VerdictFDEnv+"=3", labtest.NonceFDEnv+"=4"), env...)
	cmd.ExtraFiles = []*os.File{w, nr}
	var buf strings.Builder
	cmd.Stdout, cmd.Stderr = &buf, &buf
	require.NoError(t, cmd.Start())
	w.Close() // the child holds the only write end now
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	_ = cmd.Wait() // the exit status is the callers' business
	// Every test through Run says first that it started; the callers
	// look at what follows.
	start := "distlabs-verdict " + nonce + " start " + name + "\n"
	if len(got) > 0 {
		require.True(t, strings.HasPrefix(string(got), start), "%s: the channel does not start with %q: %q", name, start, got)
	}
	return buf.String(), strings.TrimPrefix(string(got), start)
}

// TestFixtureEnvGone passes only if the harness removed the channel's
// variables before the body ran (code under test must not find the nonce).
func TestFixtureEnvGone(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		for _, k := range []string{labtest.VerdictFDEnv, labtest.NonceFDEnv} {
			if v, ok := os.LookupEnv(k); ok {
				t.Fatalf("%s=%q is still visible to the test body", k, v)
			}
		}
		// The nonce is in no environment, and its pipe is closed and empty.
		env, err := os.ReadFile("/proc/self/environ")
		if err == nil && strings.Contains(string(env), testNonce) {
			t.Fatalf("the nonce is in /proc/self/environ")
		}
		if b, err := os.ReadFile("/proc/self/fd/4"); err == nil && len(b) > 0 {
			t.Fatalf("fd 4 still yields %q", b)
		}
	})
}

// Contract 2: each Run test writes exactly one verdict line with the nonce,
// its outcome and its name, and the variables are gone from the body's
// environment.
func TestVerdictChannel(t *testing.T) {
	for _, c := range []struct{ name, leaks, word string }{
		{"TestFixtureProgress", "strict", "pass"},
		{"TestFixtureEnvGone", "strict", "pass"},
		{"TestFixtureFail", "warn", "fail"},
		{"TestFixtureParkedOnCond", "warn", "pass"},
		{"TestFixtureParkedOnCond", "strict", "fail"},
		{"TestFixtureStrictLeaks", "warn", "fail"},
	} {
		out, got := runWithVerdicts(t, c.name, testNonce, labtest.LeaksEnv+"="+c.leaks)
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		require.Len(t, lines, 1, "%s: want exactly one verdict line after the start line, got %q\noutput:\n%s", c.name, got, out)
		want := "distlabs-verdict " + testNonce + " " + c.word + " " + c.name + " "
		assert.True(t, strings.HasPrefix(lines[0], want), "%s: verdict %q, want prefix %q\noutput:\n%s", c.name, lines[0], want, out)
		assert.NotContains(t, out, testNonce, "%s: the nonce must not reach the test's output", c.name)
	}
}

// A malformed nonce is ignored (nothing written: the grader fails the test)
// and without the variables the harness writes nothing at all.
func TestVerdictChannelMalformed(t *testing.T) {
	out, got := runWithVerdicts(t, "TestFixtureProgress", "not-a-nonce")
	assert.Empty(t, got, out)
	assert.Contains(t, out, "malformed verdict channel")
}
