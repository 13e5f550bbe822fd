package apps

import (
	"os"
	"strconv"
	"strings"
	"time"

	"distlabs/mapreduce"
)

// mtiming and rtiming measure how many workers run map (resp. reduce)
// tasks at the same moment. Each call leaves a marker file named after its
// worker in the shared directory, counts the markers of its phase, keeps
// its own marker for a second and then deletes it.

// mtiming's output has, per worker that ran a map task, a "times-W" line
// (the start times of its maps) and a "parallel-W" line (how many map
// workers each of its maps saw running, itself included).
var mtiming = &mapreduce.App{
	Name: "mtiming",
	Map: func(env *mapreduce.Env, _ string, _ string, emit func(key, value string)) {
		startSec := float64(time.Now().UnixMilli()) / 1000
		busy := busyWorkers(env, "map")
		emit("times-"+env.Worker, strconv.FormatFloat(startSec, 'f', 1, 64))
		emit("parallel-"+env.Worker, strconv.Itoa(busy))
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
		for _, key := range strings.Split("abcdefghij", "") {
			emit(key, "1")
		}
	},
	Reduce: func(env *mapreduce.Env, _ string, _ []string) string {
		return strconv.Itoa(busyWorkers(env, "reduce"))
	},
}

func init() {
	register(mtiming)
	register(rtiming)
}

// markerHold is how long a timing app's call keeps its marker file, so
// that calls on other workers in the same window count it.
const markerHold = time.Second

// busyWorkers marks the calling worker busy in phase, returns how many
// workers are marked busy in that phase (the caller included), and clears
// the mark after markerHold.
func busyWorkers(env *mapreduce.Env, phase string) int {
	prefix := "mr-busy-" + phase + "-"
	marker := env.Path(prefix + env.Worker)
	if err := os.WriteFile(marker, nil, 0o666); err != nil {
		env.Fatalf("%s: create marker: %w", phase, err)
	}
	entries, err := os.ReadDir(env.Dir)
	if err != nil {
		env.Fatalf("%s: list %s: %w", phase, env.Dir, err)
	}
	busy := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			busy++
		}
	}
	time.Sleep(markerHold)
	if err := os.Remove(marker); err != nil {
		env.Fatalf("%s: remove marker: %w", phase, err)
	}
	return busy
}
