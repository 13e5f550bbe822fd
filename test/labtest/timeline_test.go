package labtest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// -timeline writes the page of the test's run, with its messages and the
// test's steps, and says where; the replay line asks for one.
func TestTimelineFlagWritesPage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.html")
	out, code := runFixture(t, "TestFixtureFail", "-timeline", path)
	require.NotZero(t, code, out)
	assert.Contains(t, out, "--- timeline: "+path)
	assert.Contains(t, out, "-timeline TestFixtureFail.html")
	page, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(page), `"Counter.Inc"`, "the fixture's calls are on the page")
	assert.Contains(t, string(page), `"failed":true`)
}

// Under the grader (TimelineDirEnv), a failing test leaves its page in the
// directory and a passing one leaves none.
func TestTimelineDirKeepsFailuresOnly(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"TestFixtureFail", "TestFixturePass"} {
		out, _ := runFixtureEnv(t, []string{labtest.TimelineDirEnv + "=" + dir}, "^"+name+"$")
		if name == "TestFixtureFail" {
			assert.Contains(t, out, "--- timeline: "+filepath.Join(dir, name+".html"))
		} else {
			assert.NotContains(t, out, "--- timeline:")
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, "TestFixtureFail.html", strings.Join(names, " "))
}

// TestFixturePass passes with a little traffic.
func TestFixturePass(t *testing.T) {
	fixture(t)
	labtest.Run(t, func(t *labtest.T) {
		t.Step("nothing to see")
	})
}
