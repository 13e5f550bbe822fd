package mapreduce

import (
	"bufio"
	"io"
	"slices"
)

// grouper collects values by key, the shuffle step shared by the worker's
// reduce tasks and RunSequential (so the sequential baseline does the same
// work the same way). A hash table replaces the classic sort of all pairs:
// only the distinct keys get sorted.
type grouper struct {
	index map[string]int
	keys  []string
	// values[i] holds the values of keys[i]. values may be longer than
	// keys: slots past len(keys) are emptied slices kept for reuse.
	values [][]string
}

func newGrouper() *grouper { return &grouper{index: map[string]int{}} }

// add records value under key. Looking up an existing key does not
// allocate, so keys and values that are substrings of big buffers stay cheap.
func (g *grouper) add(key, value string) {
	i, ok := g.index[key]
	if !ok {
		i = len(g.keys)
		g.index[key] = i
		g.keys = append(g.keys, key)
		if i == len(g.values) {
			g.values = append(g.values, nil)
		}
	}
	g.values[i] = append(g.values[i], value)
}

// reset empties g but keeps its memory, so that grouping one map task (or
// file) after another does not regrow the table and the value slices each
// time. The old strings are cleared so they can be collected.
func (g *grouper) reset() {
	clear(g.index)
	clear(g.keys)
	g.keys = g.keys[:0]
	for i, vs := range g.values {
		clear(vs)
		g.values[i] = vs[:0]
	}
}

// reduce calls app.Reduce once per key in increasing key order and writes
// one "key value" line per key to w.
func (g *grouper) reduce(env *Env, app *App, w io.Writer) error {
	order := make([]int, len(g.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch ka, kb := g.keys[a], g.keys[b]; {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	bw := bufio.NewWriterSize(w, 64<<10) // its first write error is returned by Flush
	for _, i := range order {
		out := app.Reduce(env, g.keys[i], g.values[i])
		bw.WriteString(g.keys[i])
		bw.WriteByte(' ')
		bw.WriteString(out)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
