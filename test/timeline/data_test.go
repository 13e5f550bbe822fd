package timeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/timeline"
)

// page is the part of a page's data the tests read.
type page struct {
	Dropped  uint64   `json:"dropped"`
	Kept     int      `json:"kept"`
	Lanes    []string `json:"lanes"`
	Methods  []string `json:"methods"`
	Outcomes []string `json:"outcomes"`
	Msgs     [][]any  `json:"msgs"`
	Notes    [][]any  `json:"notes"`
	Steps    [][]any  `json:"steps"`
	Cuts     [][]any  `json:"cuts"`
}

// render writes tl's page and returns its HTML and its data.
func render(t testing.TB, tl *labrpc.Timeline, info timeline.Info) (string, page) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, timeline.Write(&buf, tl, info))
	html := buf.String()
	_, rest, ok := strings.Cut(html, `<script id="data" type="application/json">`)
	require.True(t, ok)
	data, _, _ := strings.Cut(rest, "</script>")
	var d page
	require.NoError(t, json.Unmarshal([]byte(data), &d))
	return html, d
}

// Echo is the service of the scripted runs.
type Echo struct{}

// Say replies with its argument.
func (Echo) Say(args string, reply *string) { *reply = args }

// cluster starts n Echo nodes named n0, n1, ... on a network recorded into
// a timeline that keeps limit events (0: the default), each node with an
// enabled end to every node (its own included), owned as the tester owns
// them: ends[{i, j}] is node i's end to node j.
func cluster(t testing.TB, seed int64, n, limit int) (*labrpc.Network, *labrpc.Timeline, map[[2]int]*labrpc.ClientEnd) {
	tl := labrpc.NewTimeline(limit)
	rn := labrpc.MakeNetworkSeed(seed)
	rn.Record(tl)
	t.Cleanup(rn.Cleanup)
	ends := map[[2]int]*labrpc.ClientEnd{}
	for i := 0; i < n; i++ {
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(Echo{}))
		rn.AddServer(fmt.Sprintf("n%d", i), srv)
		for j := 0; j < n; j++ {
			end := fmt.Sprintf("n%d-n%d", i, j)
			ends[[2]int{i, j}] = rn.MakeEnd(end)
			rn.SetEndOwner(end, fmt.Sprintf("n%d", i))
			rn.Connect(end, fmt.Sprintf("n%d", j))
			rn.Enable(end, true)
		}
	}
	return rn, tl, ends
}

// threeNodes runs a small scripted cluster of three nodes, each with an end
// to every node (its own included), owned as the tester owns them: every
// node says hello to every other, node n2 is cut off, n0 calls it in vain,
// and the nodes note their state. It returns the timeline.
func threeNodes(t *labtest.T) *labrpc.Timeline {
	rn, tl, ends := cluster(t, t.Seed, 3, 0)
	name := func(i int) string { return fmt.Sprintf("n%d", i) }
	rn.Step("say hello")
	for i := 0; i < 3; i++ {
		ends[[2]int{i, i}].Note("role=follower term=1")
		for j := 0; j < 3; j++ {
			if i != j {
				var reply string
				require.True(t, ends[[2]int{i, j}].Call("Echo.Say", "hello", &reply))
			}
		}
	}
	rn.Step("cut n2 off")
	for i := 0; i < 3; i++ {
		rn.Enable(name(i)+"-n2", false)
		rn.Enable("n2-"+name(i), false)
	}
	var reply string
	require.False(t, ends[[2]int{0, 2}].Call("Echo.Say", "anyone?", &reply))
	ends[[2]int{0, 0}].Note("role=leader term=2")
	return tl
}

// The page's data has a lane per node, one message per call with its
// outcome, the notes, the steps, and the cut-off periods of the links.
func TestPageData(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, d := render(t, threeNodes(t), timeline.Info{Test: "TestX", Seed: 7})
		assert.Equal(t, []string{"n0", "n1", "n2"}, d.Lanes)
		require.Len(t, d.Msgs, 7)
		assert.Equal(t, []string{"Echo.Say"}, d.Methods)
		assert.Equal(t, []string{"delivered", "disabled"}, d.Outcomes)
		last := d.Msgs[6]
		assert.Equal(t, []any{0.0, 2.0, 1.0, "anyone?"}, []any{last[4], last[5], last[7], last[9]})
		assert.Equal(t, "hello => hello", d.Msgs[0][9])
		assert.Len(t, d.Notes, 4)
		assert.Equal(t, []any{"say hello", "cut n2 off"}, []any{d.Steps[0][1], d.Steps[1][1]})
		var cuts []string
		for _, c := range d.Cuts {
			cuts = append(cuts, d.Lanes[int(c[1].(float64))]+":"+c[2].(string))
		}
		assert.Equal(t, []string{"n0:n2", "n2:n0", "n1:n2", "n2:n0 n1"}, cuts)
		assert.Zero(t, d.Dropped)
	})
}

// The page is one file with its data inline, no address it would fetch,
// and data that cannot close the script element it sits in.
func TestPageIsSelfContained(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		tl := threeNodes(t)
		tl.Step("</script><b>")
		html, d := render(t, tl, timeline.Info{Test: "TestX", Replay: "go test . -run '^TestX$'"})
		assert.Equal(t, 2, strings.Count(html, "</script>"), "the data must not end a script element")
		for _, fetch := range []string{"src=", "http://", "https://", "@import", "url(http"} {
			assert.NotContains(t, html, fetch)
		}
		assert.Len(t, d.Msgs, 7)
	})
}

// Lanes sort by name with numbers by value.
func TestLaneOrder(t *testing.T) {
	tl := labrpc.NewTimeline(0)
	for _, node := range []string{"raft-10", "raft-2", "raft-c1", "raft-1", "ctrler-0"} {
		tl.Note(node, "up")
	}
	_, d := render(t, tl, timeline.Info{})
	assert.Equal(t, []string{"ctrler-0", "raft-1", "raft-2", "raft-10", "raft-c1"}, d.Lanes)
}

// A full timeline's page says how many events it let go.
func TestPageCountsDroppedEvents(t *testing.T) {
	tl := labrpc.NewTimeline(3)
	for i := 0; i < 5; i++ {
		tl.Step("s")
	}
	_, d := render(t, tl, timeline.Info{})
	assert.Equal(t, uint64(2), d.Dropped)
	assert.Equal(t, 3, d.Kept)
}
