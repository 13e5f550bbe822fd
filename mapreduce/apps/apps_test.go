package apps

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"distlabs/mapreduce"
	"distlabs/test/labtest"
)

// TestWordsSplit checks wc's hand-written splitter against the classic
// definition, strings.FieldsFunc on "not a letter", on random mixes of
// ASCII, non-ASCII letters, marks, digits, punctuation and invalid UTF-8.
func TestWordsSplit(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		pieces := []string{"a", "Z", "q", "é", "ß", "日本", "ж", " ", "\n", "1", "-", "'", "\u0301", "\xff", "\xe6\x97", "☃", "ǅ"}
		for range 2000 {
			var b strings.Builder
			for range t.Rand.IntN(30) {
				b.WriteString(pieces[t.Rand.IntN(len(pieces))])
			}
			s := b.String()
			var got []string
			words(s, func(w string) { got = append(got, w) })
			want := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) })
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("words(%q) = %q, want %q", s, got, want)
			}
		}
	})
}

// TestRegistry checks that every classic app is registered and complete.
func TestRegistry(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		want := []string{"crash", "early_exit", "indexer", "jobcount", "mtiming", "nocrash", "rtiming", "wc"}
		if got := Names(); !slices.Equal(got, want) {
			t.Fatalf("Names() = %q, want %q", got, want)
		}
		for _, name := range want {
			app := MustLookup(name)
			if app.Name != name || app.Map == nil || app.Reduce == nil {
				t.Fatalf("app %q is incomplete: %+v", name, app)
			}
		}
		if _, err := Lookup("nope"); err == nil || !strings.Contains(err.Error(), "wc") {
			t.Fatalf("Lookup(unknown) = %v, want an error listing the apps", err)
		}
		var env mapreduce.Env
		if got := wc.Reduce(&env, "x", []string{"1", "3", "1"}); got != "5" {
			t.Fatalf("wc Reduce over combined counts = %s, want 5", got)
		}
	})
}
