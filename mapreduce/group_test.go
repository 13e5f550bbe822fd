package mapreduce

import (
	"bytes"
	"testing"

	"distlabs/test/labtest"
)

// TestGrouperReset checks that a reused grouper forgets everything: the
// second batch's output must not contain the first batch's keys or values.
func TestGrouperReset(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		app := &App{Reduce: func(_ *Env, _ string, values []string) string {
			out := ""
			for _, v := range values {
				out += v
			}
			return out
		}}
		g := newGrouper()
		for _, kv := range [][2]string{{"b", "1"}, {"a", "2"}, {"b", "3"}, {"c", "4"}} {
			g.add(kv[0], kv[1])
		}
		var first bytes.Buffer
		if err := g.reduce(&Env{}, app, &first); err != nil {
			t.Fatal(err)
		}
		if first.String() != "a 2\nb 13\nc 4\n" {
			t.Fatalf("first batch: %q", first.String())
		}
		g.reset()
		for _, kv := range [][2]string{{"c", "5"}, {"d", "6"}, {"c", "7"}} {
			g.add(kv[0], kv[1])
		}
		var second bytes.Buffer
		if err := g.reduce(&Env{}, app, &second); err != nil {
			t.Fatal(err)
		}
		if second.String() != "c 57\nd 6\n" {
			t.Fatalf("after reset: %q, want %q", second.String(), "c 57\nd 6\n")
		}
	})
}
