package apps

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"distlabs/mapreduce"
)

// jobcount counts Map invocations: every Map call leaves a uniquely named
// file in the shared directory and takes 2–5 s (less than the reassignment
// timeout); the single output line "a N" gives N, the number of files.
// When no worker fails, N must equal the number of input files.
var jobcount = &mapreduce.App{
	Name: "jobcount",
	Map: func(env *mapreduce.Env, _ string, _ string, emit func(key, value string)) {
		name := fmt.Sprintf("%s%s-%d", mapCallPrefix, env.Worker, jobSeq.Add(1))
		if err := os.WriteFile(env.Path(name), nil, 0o666); err != nil {
			env.Fatalf("jobcount: %w", err)
		}
		time.Sleep(2*time.Second + time.Duration(env.Rand.Int64N(int64(3*time.Second))))
		emit("a", "x")
	},
	Reduce: func(env *mapreduce.Env, _ string, _ []string) string {
		entries, err := os.ReadDir(env.Dir)
		if err != nil {
			env.Fatalf("jobcount: %w", err)
		}
		n := 0
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), mapCallPrefix) {
				n++
			}
		}
		return strconv.Itoa(n)
	},
}

// mapCallPrefix starts the name of every file a jobcount Map call leaves.
const mapCallPrefix = "mr-mapcall-"

// jobSeq makes the invocation files unique across workers of one process
// (the classic app used a per-process counter and the pid).
var jobSeq atomic.Int64

// slowKeys: reducing a key (an input file name) that contains one of these
// takes 3 s, long enough that a worker or coordinator quitting before the
// job is done still sees reduce tasks running.
var slowKeys = []string{"sherlock", "tom"}

// earlyExit maps every input file to (name, "1") and reduces each name to
// its count; the reduces of slowKeys are deliberately slow.
var earlyExit = &mapreduce.App{
	Name: "early_exit",
	Map: func(_ *mapreduce.Env, filename, _ string, emit func(key, value string)) {
		emit(filename, "1")
	},
	Reduce: func(_ *mapreduce.Env, key string, values []string) string {
		if slices.ContainsFunc(slowKeys, func(s string) bool { return strings.Contains(key, s) }) {
			time.Sleep(3 * time.Second)
		}
		return strconv.Itoa(len(values))
	},
}

func init() {
	register(jobcount)
	register(earlyExit)
}
