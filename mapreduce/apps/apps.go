// Package apps is the registry of compiled-in MapReduce applications: word
// count (wc), an inverted index (indexer), and the fault- and
// timing-probing apps the lab's tests use (crash, nocrash, mtiming,
// rtiming, jobcount, early_exit), with the behaviour of the classic lab's
// plugins. Apps are compiled in rather than loaded as plugins so that the
// workers, the tests and the CLI share one binary-independent registry.
package apps

import (
	"fmt"
	"sort"
	"strings"

	"distlabs/mapreduce"
)

var registry = map[string]*mapreduce.App{}

// register adds an app at init time; a duplicate name is a programming error.
func register(app *mapreduce.App) {
	if _, dup := registry[app.Name]; dup {
		panic("apps: duplicate app " + app.Name)
	}
	registry[app.Name] = app
}

// Lookup returns the app called name, or an error listing the known apps.
func Lookup(name string) (*mapreduce.App, error) {
	if app, ok := registry[name]; ok {
		return app, nil
	}
	return nil, fmt.Errorf("unknown app %q (known: %s)", name, strings.Join(Names(), ", "))
}

// MustLookup is Lookup for names fixed in code (tests); an unknown name
// panics.
func MustLookup(name string) *mapreduce.App {
	app, err := Lookup(name)
	if err != nil {
		panic(err)
	}
	return app
}

// Names returns the registered app names, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sortedJoin returns values sorted and joined by sep, without reordering the
// caller's slice, so outputs do not depend on the order values arrived in.
func sortedJoin(values []string, sep string) string {
	vv := append([]string(nil), values...)
	sort.Strings(vv)
	return strings.Join(vv, sep)
}
