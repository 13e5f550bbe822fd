package apps

import (
	"strconv"
	"time"

	"distlabs/mapreduce"
)

// crash and nocrash compute the same thing; crash also kills or stalls its
// worker at random at the start of every Map and Reduce call: with
// probability 0.33 the worker dies (Env.Crash), with probability 0.33 it
// sleeps for up to 10 s. The output of a crash job must equal nocrash's.
var crash = &mapreduce.App{
	Name: "crash",
	Map: func(env *mapreduce.Env, filename, contents string, emit func(key, value string)) {
		crashOrStall(env)
		crashMap(filename, contents, emit)
	},
	Reduce: func(env *mapreduce.Env, key string, values []string) string {
		crashOrStall(env)
		return sortedJoin(values, " ")
	},
}

var nocrash = &mapreduce.App{
	Name: "nocrash",
	Map: func(_ *mapreduce.Env, filename, contents string, emit func(key, value string)) {
		crashMap(filename, contents, emit)
	},
	Reduce: func(_ *mapreduce.Env, _ string, values []string) string {
		return sortedJoin(values, " ")
	},
}

func init() {
	register(crash)
	register(nocrash)
}

// crashMap emits four keys per file, so every reduce task sees values from
// every map task.
func crashMap(filename, contents string, emit func(key, value string)) {
	emit("a", filename)
	emit("b", strconv.Itoa(len(filename)))
	emit("c", strconv.Itoa(len(contents)))
	emit("d", "xyzzy")
}

// maxStall is the longest stall of a crash worker.
const maxStall = 10 * time.Second

// crashOrStall draws once per call: below 330 of 1000 the worker dies,
// below 660 it sleeps a random time under maxStall, and otherwise the call
// proceeds at once.
func crashOrStall(env *mapreduce.Env) {
	roll := env.Rand.IntN(1000)
	if roll < 330 {
		env.Crash()
	}
	if roll < 660 {
		time.Sleep(time.Duration(env.Rand.Int64N(int64(maxStall))))
	}
}
