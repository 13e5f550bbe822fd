package apps

import (
	"strconv"
	"unicode"
	"unicode/utf8"

	"distlabs/mapreduce"
)

// wc counts words: a word is a maximal run of letters (unicode.IsLetter),
// as strings.FieldsFunc(contents, not-a-letter) would split it. Map emits
// (word, "1") for every word; Reduce sums the counts. Summing (rather than
// counting values) lets Reduce double as the combiner.
var wc = &mapreduce.App{
	Name: "wc",
	Map: func(_ *mapreduce.Env, _ string, contents string, emit func(key, value string)) {
		words(contents, func(w string) { emit(w, "1") })
	},
	Reduce:  sumCounts,
	Combine: sumCounts,
}

// sumCounts adds up decimal counts. The values of a word count are mostly
// "1", so that case skips the parse.
func sumCounts(env *mapreduce.Env, key string, values []string) string {
	n := 0
	for _, v := range values {
		if v == "1" {
			n++
			continue
		}
		c, err := strconv.Atoi(v)
		if err != nil {
			env.Fatalf("wc: count %q of %q: %w", v, key, err)
		}
		n += c
	}
	return strconv.Itoa(n)
}

func init() { register(wc) }

// asciiLetter[c] reports unicode.IsLetter(rune(c)) for ASCII c: the fast
// path for the common case.
var asciiLetter = func() (t [utf8.RuneSelf]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	return t
}()

// words calls fn for each word of s, in order. Words are substrings of s,
// so splitting allocates nothing; this loop is the hot path of a word count.
func words(s string, fn func(string)) {
	start := -1
	for i := 0; i < len(s); {
		c, size := s[i], 1
		var letter bool
		if c < utf8.RuneSelf {
			letter = asciiLetter[c]
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			letter = unicode.IsLetter(r)
		}
		if letter {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			fn(s[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(s[start:])
	}
}
