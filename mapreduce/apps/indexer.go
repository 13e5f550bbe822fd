package apps

import (
	"sort"
	"strconv"

	"distlabs/mapreduce"
)

// indexer builds an inverted index: for every word, the number of documents
// containing it and their names, comma-separated and sorted.
var indexer = &mapreduce.App{
	Name: "indexer",
	Map: func(_ *mapreduce.Env, document, contents string, emit func(key, value string)) {
		seen := map[string]bool{}
		words(contents, func(w string) { seen[w] = true })
		// Emit in sorted order so that a re-executed map task writes the
		// same bytes as the first attempt.
		uniq := make([]string, 0, len(seen))
		for w := range seen {
			uniq = append(uniq, w)
		}
		sort.Strings(uniq)
		for _, w := range uniq {
			emit(w, document)
		}
	},
	Reduce: func(_ *mapreduce.Env, _ string, values []string) string {
		return strconv.Itoa(len(values)) + " " + sortedJoin(values, ",")
	},
}

func init() { register(indexer) }
