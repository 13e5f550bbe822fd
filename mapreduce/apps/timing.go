package apps

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"distlabs/mapreduce"
)

// mtiming and rtiming measure how many workers run map (resp. reduce)
// tasks at the same time: each call announces itself with a file named
// after its worker in the shared directory, counts the announcements
// present, holds for a second, and withdraws.

// mtiming's output has, per worker that ran a map task, a "times-W" line
// (the start times of its maps) and a "parallel-W" line (how many map
// workers each of its maps saw running, itself included).
var mtiming = &mapreduce.App{
	Name: "mtiming",
	Map: func(env *mapreduce.Env, _ string, _ string, emit func(key, value string)) {
		now := time.Now()
		ts := float64(now.UnixNano()) / 1e9
		n := nparallel(env, "map")
		emit("times-"+env.Worker, fmt.Sprintf("%.1f", ts))
		emit("parallel-"+env.Worker, strconv.Itoa(n))
	},
	Reduce: func(_ *mapreduce.Env, _ string, values []string) string {
		return sortedJoin(values, " ")
	},
}

// rtiming emits the keys a..j; each Reduce call outputs how many reduce
// workers it saw running.
var rtiming = &mapreduce.App{
	Name: "rtiming",
	Map: func(_ *mapreduce.Env, _ string, _ string, emit func(key, value string)) {
		for c := 'a'; c <= 'j'; c++ {
			emit(string(c), "1")
		}
	},
	Reduce: func(env *mapreduce.Env, _ string, _ []string) string {
		return strconv.Itoa(nparallel(env, "reduce"))
	},
}

func init() {
	register(mtiming)
	register(rtiming)
}

// nparallel announces the calling worker in phase, counts the workers
// announced, waits a second so overlapping workers see each other, and
// withdraws.
func nparallel(env *mapreduce.Env, phase string) int {
	prefix := "mr-worker-" + phase + "-"
	mine := env.Path(prefix + env.Worker)
	if err := os.WriteFile(mine, []byte("x"), 0o666); err != nil {
		env.Fatalf("%s: announce: %w", phase, err)
	}
	entries, err := os.ReadDir(env.Dir)
	if err != nil {
		env.Fatalf("%s: list %s: %w", phase, env.Dir, err)
	}
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			n++
		}
	}
	time.Sleep(time.Second)
	if err := os.Remove(mine); err != nil {
		env.Fatalf("%s: withdraw: %w", phase, err)
	}
	return n
}
