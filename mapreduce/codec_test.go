package mapreduce

import (
	"bytes"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// TestRecordsRoundTrip checks the intermediate encoding on awkward keys and
// values (empty, spaces, newlines, long) and that a record cut short is
// reported rather than silently dropped.
func TestRecordsRoundTrip(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		type kv struct{ k, v string }
		in := []kv{{"", ""}, {"a b", "c\nd"}, {strings.Repeat("k", 300), strings.Repeat("v", 70000)}, {"x", "1"}}
		var buf bytes.Buffer
		w := newRecordWriter(&buf)
		for _, p := range in {
			w.write(p.k, p.v)
		}
		if err := w.flush(); err != nil {
			t.Fatal(err)
		}
		var out []kv
		if err := decodeRecords(buf.String(), func(k, v string) { out = append(out, kv{k, v}) }); err != nil {
			t.Fatal(err)
		}
		if len(out) != len(in) {
			t.Fatalf("decoded %d records, want %d", len(out), len(in))
		}
		for i := range in {
			if out[i] != in[i] {
				t.Fatalf("record %d: got %q, want %q", i, out[i], in[i])
			}
		}
		// Cuts inside the last record (4 bytes) must be caught. A cut at a
		// record boundary cannot be: that is why a file gets its final name
		// only once complete.
		for cut := 1; cut < 4; cut++ {
			if err := decodeRecords(buf.String()[:buf.Len()-cut], func(string, string) {}); err == nil {
				t.Fatalf("truncating %d bytes went unnoticed", cut)
			}
		}
	})
}
