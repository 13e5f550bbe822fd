package timeline_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/timeline"
)

// chromium is Debian's headless-capable browser; .ci/run installs it.
const chromium = "/usr/bin/chromium"

// openInChromium loads page in headless Chromium, with a profile, home
// and caches in a temp dir and no network use of its own, and returns
// the DOM after the page's script ran (it renders while loading).
func openInChromium(t *testing.T, page string) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("%s is not installed (apt-get install -y chromium); CI installs it, so there this test runs", chromium)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--dump-dom", "file://"+page)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_CACHE_HOME="+dir)
	cmd.Stderr = nil // Chromium's chatter about D-Bus and GPUs is not the test's business
	out, err := cmd.Output()
	require.NoError(t, err, "chromium --dump-dom %s", page)
	return string(out)
}

// bodyAttrs returns the data-* attributes the page's script set on its
// body once it rendered.
func bodyAttrs(t *testing.T, dom string) map[string]int {
	t.Helper()
	body := regexp.MustCompile(`<body([^>]*)>`).FindStringSubmatch(dom)
	require.NotNil(t, body, "no body in the DOM:\n%.2000s", dom)
	attrs := map[string]int{}
	for _, m := range regexp.MustCompile(`data-([a-z-]+)="(\d+)"`).FindAllStringSubmatch(body[1], -1) {
		n, err := strconv.Atoi(m[2])
		require.NoError(t, err)
		attrs[m[1]] = n
	}
	require.Equal(t, 1, attrs["rendered"], "the page's script did not finish: %s", body[0])
	return attrs
}

// writePage writes tl's page into a temp dir and returns its path.
func writePage(t *testing.T, tl *labrpc.Timeline, info timeline.Info) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "timeline.html")
	require.NoError(t, timeline.WriteFile(path, tl, info))
	return path
}

// The browser draws a lane per node and an arrow per recorded message of
// a small scripted run, with no network: the counts the page's script
// reports match what the timeline recorded, counted here independently.
func TestBrowserDrawsEveryMessage(t *testing.T) {
	var tl *labrpc.Timeline
	labtest.Run(t, func(t *labtest.T) { tl = threeNodes(t) })
	evs, _ := tl.Events()
	msgs, nodes := 0, map[string]bool{}
	for _, ev := range evs {
		if ev.Kind == labrpc.KindMessage {
			msgs++
			nodes[tl.Owners()[ev.From]], nodes[ev.To] = true, true
		}
	}
	require.Equal(t, 7, msgs, "the scripted run: six hellos and one call to a cut-off node")

	attrs := bodyAttrs(t, openInChromium(t, writePage(t, tl, timeline.Info{Test: "TestScripted", Seed: 1})))
	assert.Equal(t, len(nodes), attrs["lanes"], "lanes drawn")
	assert.Equal(t, msgs, attrs["arrows"], "arrows drawn")
	assert.Equal(t, msgs, attrs["messages"], "messages in the page's data")
}

// A page of a full timeline (the most a run keeps) still opens within the
// budget of 2 s, and says that older events were dropped.
func TestBrowserLoadsAFullPageInTime(t *testing.T) {
	var tl *labrpc.Timeline
	labtest.Run(t, func(t *labtest.T) {
		_, rec, ends := cluster(t, 5, 0)
		tl = rec
		// Calls between every pair, and a note with every fifth: 1.2
		// events a round, so the timeline lets some go.
		for i := 0; i < labrpc.DefaultTimelineEvents; i++ {
			from, to := i%5, (i+1+i/5%4)%5
			var reply string
			ends[[2]int{from, to}].Call("Echo.Say", "hello", &reply)
			if i%5 == 0 {
				ends[[2]int{from, from}].Note(fmt.Sprintf("leader term=%d commit=%d", i/100, i))
			}
		}
	})
	_, dropped := tl.Events()
	require.NotZero(t, dropped)
	page := writePage(t, tl, timeline.Info{Test: "TestFull"})
	dom := openInChromium(t, page)
	attrs := bodyAttrs(t, dom)
	if fi, err := os.Stat(page); err == nil {
		t.Logf("a full page: %d events, %d bytes, script done %d ms after it started", labrpc.DefaultTimelineEvents, fi.Size(), attrs["load-ms"])
	}
	assert.Equal(t, 5, attrs["lanes"])
	assert.Greater(t, attrs["arrows"], labrpc.DefaultTimelineEvents*3/4)
	assert.Equal(t, attrs["messages"], attrs["arrows"])
	assert.Less(t, attrs["load-ms"], 2000, "page load time in ms")
	assert.Contains(t, dom, "older events were dropped")
}
