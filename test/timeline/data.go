package timeline

import (
	"sort"
	"strconv"
	"strings"
	"unicode"

	"distlabs/labrpc"
)

// pageData is the page's JSON. Events are arrays rather than objects, and
// lanes, methods and outcomes are indexes into tables, because a page of a
// long run holds tens of thousands of them: this keeps a 2C nemesis run's
// page a few megabytes. Times are microseconds since the timeline began.
type pageData struct {
	Test     string      `json:"test"`
	Seed     int64       `json:"seed"`
	Failed   bool        `json:"failed"`
	Replay   string      `json:"replay"`
	Start    string      `json:"start"`
	Dropped  uint64      `json:"dropped"` // older events let go
	Kept     int         `json:"kept"`
	Lanes    []string    `json:"lanes"`
	Methods  []string    `json:"methods"`
	Outcomes []string    `json:"outcomes"`
	Links    [][2]string `json:"links"`
	// [at, recv, back, done, from lane, to lane, method, outcome, size, text]
	Msgs [][]any `json:"msgs"`
	// [at, lane, text]
	Notes [][]any `json:"notes"`
	// [at, text]
	Steps [][]any `json:"steps"`
	// [at, lane, text, peers]: the lanes a node cannot reach from then on
	// ("" when none) out of the peers it has ends to, derived from link
	// events.
	Cuts [][]any `json:"cuts"`
	// [at, lane, up]: a server added (1) or deleted (0).
	Servers [][]any `json:"servers"`
	// [at, from lane, to lane, text]: a stream opened or closed.
	Streams [][]any `json:"streams"`
}

// tables interns the strings the events index.
type tables struct {
	index map[string]int
	names []string
}

func (t *tables) id(s string) int {
	if t.index == nil {
		t.index = map[string]int{}
	}
	if i, ok := t.index[s]; ok {
		return i
	}
	t.index[s] = len(t.names)
	t.names = append(t.names, s)
	return len(t.names) - 1
}

// build turns the timeline into the page's data.
func build(tl *labrpc.Timeline, info Info) *pageData {
	evs, dropped := tl.Events()
	owners := tl.Owners()
	d := &pageData{Test: info.Test, Seed: info.Seed, Failed: info.Failed, Replay: info.Replay,
		Start: tl.Start().UTC().Format("2006-01-02 15:04:05.000"), Dropped: dropped, Kept: len(evs),
		Links: tl.Attachments()}
	d.Msgs, d.Notes, d.Steps, d.Cuts, d.Servers, d.Streams = [][]any{}, [][]any{}, [][]any{}, [][]any{}, [][]any{}, [][]any{}
	var methods, outcomes tables
	// Lanes are named first and numbered once all are known, so they can
	// be sorted; events keep names until then.
	laneSet := map[string]bool{}
	owner := func(end string) string {
		if o, ok := owners[end]; ok {
			return o
		}
		return end
	}
	links := newLinkState()
	for _, ev := range evs {
		at := us(ev.At)
		switch ev.Kind {
		case labrpc.KindMessage:
			from := owner(ev.From)
			laneSet[from], laneSet[ev.To] = true, true
			d.Msgs = append(d.Msgs, []any{at, us(ev.Recv), us(ev.Back), us(ev.Done), from, ev.To,
				methods.id(ev.Method), outcomes.id(ev.Outcome.String()), ev.Size, ev.Text})
		case labrpc.KindNote:
			laneSet[ev.From] = true
			d.Notes = append(d.Notes, []any{at, ev.From, ev.Text})
		case labrpc.KindStep:
			d.Steps = append(d.Steps, []any{at, ev.Text})
		case labrpc.KindPartition:
			d.Steps = append(d.Steps, []any{at, "network: " + ev.Text})
		case labrpc.KindServer:
			laneSet[ev.To] = true
			up := 0
			if ev.Text == "start" {
				up = 1
			}
			d.Servers = append(d.Servers, []any{at, ev.To, up})
		case labrpc.KindStream:
			laneSet[ev.From], laneSet[ev.To] = true, true
			d.Streams = append(d.Streams, []any{at, ev.From, ev.To, ev.Text})
		case labrpc.KindLink:
			from := owner(ev.From)
			if from == ev.From {
				// An end nobody owns (a ported 6.824 harness names ends
				// randomly) would be a lane of its own for every link.
				continue
			}
			if cut, peers, changed := links.apply(ev.From, from, ev.To, ev.Text); changed {
				d.Cuts = append(d.Cuts, []any{at, from, cut, peers})
			}
		}
	}
	d.Lanes = sortLanes(laneSet)
	lane := map[string]int{}
	for i, l := range d.Lanes {
		lane[l] = i
	}
	for _, m := range d.Msgs {
		m[4], m[5] = lane[m[4].(string)], lane[m[5].(string)]
	}
	for _, rows := range [][][]any{d.Notes, d.Servers} {
		for _, r := range rows {
			r[1] = lane[r[1].(string)]
		}
	}
	for _, r := range d.Streams {
		r[1], r[2] = lane[r[1].(string)], lane[r[2].(string)]
	}
	cuts := d.Cuts[:0]
	for _, r := range d.Cuts {
		if i, ok := lane[r[1].(string)]; ok {
			r[1] = i
			cuts = append(cuts, r)
		}
	}
	d.Cuts = cuts
	d.Methods, d.Outcomes = nonNil(methods.names), nonNil(outcomes.names)
	return d
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// linkState follows which ends are up, to tell which nodes each node can
// reach: node A reaches B while at least one of A's ends to B is up.
type linkState struct {
	up      map[string]bool            // end -> enabled
	pair    map[string][2]string       // end -> (owner, server)
	ends    map[[2]string][]string     // (owner, server) -> ends
	peers   map[string]map[string]bool // owner -> servers it has ends to
	lastCut map[string]string          // owner -> last cut reported
}

func newLinkState() *linkState {
	return &linkState{up: map[string]bool{}, pair: map[string][2]string{}, ends: map[[2]string][]string{},
		peers: map[string]map[string]bool{}, lastCut: map[string]string{}}
}

// apply records one link event of end (owned by from, leading to server
// to) and returns the servers from cannot reach now, as a sorted,
// space-separated list, how many other servers it has ends to, and whether
// the list changed.
func (s *linkState) apply(end, from, to, text string) (string, int, bool) {
	p := [2]string{from, to}
	if _, ok := s.pair[end]; !ok {
		s.pair[end] = p
		s.ends[p] = append(s.ends[p], end)
	}
	switch text {
	case "up":
		// A server counts as a peer once a link to it was up: a link
		// being set up (connected, not yet enabled) is no cut.
		s.up[end] = true
		if s.peers[from] == nil {
			s.peers[from] = map[string]bool{}
		}
		s.peers[from][to] = true
	case "down":
		s.up[end] = false
	}
	var cut []string
	peers := 0
	for peer := range s.peers[from] {
		if peer == from {
			continue
		}
		peers++
		reach := false
		for _, e := range s.ends[[2]string{from, peer}] {
			reach = reach || s.up[e]
		}
		if !reach {
			cut = append(cut, peer)
		}
	}
	sort.Strings(cut)
	text = strings.Join(cut, " ")
	if prev, ok := s.lastCut[from]; ok && prev == text || !ok && text == "" {
		return text, peers, false
	}
	s.lastCut[from] = text
	return text, peers, true
}

// sortLanes orders lanes by name, numbers compared as numbers (raft-2
// before raft-10), servers before clients of the same group since their
// names are shorter.
func sortLanes(set map[string]bool) []string {
	lanes := make([]string, 0, len(set))
	for l := range set {
		lanes = append(lanes, l)
	}
	sort.Slice(lanes, func(i, j int) bool { return naturalLess(lanes[i], lanes[j]) })
	return lanes
}

// naturalLess compares a and b piecewise, runs of digits by value.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, ra := digitRun(a)
		db, rb := digitRun(b)
		if da != "" && db != "" {
			na, _ := strconv.Atoi(da)
			nb, _ := strconv.Atoi(db)
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

// digitRun splits s into its leading digits and the rest.
func digitRun(s string) (string, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	if i < 0 {
		i = len(s)
	}
	return s[:i], s[i:]
}
