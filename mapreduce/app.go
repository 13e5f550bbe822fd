package mapreduce

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
)

// An App is a MapReduce application: a Map and a Reduce function, and
// optionally a combiner.
type App struct {
	// Name is the name the registry and the CLI know the app by.
	Name string
	// Map is called once per input file with the file's name (as given to
	// the coordinator) and contents; it calls emit for every intermediate
	// key/value pair. Emitting instead of returning a slice lets the worker
	// partition and encode pairs as they appear, without building a slice of
	// millions of pairs first. emit must not be retained after Map returns.
	Map func(env *Env, filename, contents string, emit func(key, value string))
	// Reduce is called once per distinct key with every value emitted for
	// it, in no particular order, and returns the key's output value.
	Reduce func(env *Env, key string, values []string) string
	// Combine, if set, is the paper's combiner (section 4.3): a worker
	// calls it once per distinct key of a map task's output and emits only
	// its result, so far fewer pairs cross the "network" of intermediate
	// files. It must not change the job's output: Reduce over combined
	// values must equal Reduce over the original ones (for word count,
	// Combine and Reduce both sum counts).
	Combine func(env *Env, key string, values []string) string
}

// An Env is what an App may know about the worker running it.
type Env struct {
	// Dir is the job's shared directory (where mr-X-Y and mr-out-Y live).
	Dir string
	// Worker identifies the worker uniquely within the job; apps use it
	// where the classic apps used the process id.
	Worker string
	// Rand is the worker's random source, seeded by whoever started the
	// worker (the test seed in tests). Only the worker's goroutine uses it.
	Rand *rand.Rand
}

// Path returns name inside the shared directory.
func (e *Env) Path(name string) string { return filepath.Join(e.Dir, name) }

// ErrCrashed is returned by a worker (and by RunSequential) whose app called
// Env.Crash: the worker stopped abruptly, abandoning its task without
// reporting it, as if its process had died.
var ErrCrashed = errors.New("mapreduce: worker crashed (app called Env.Crash)")

// crashSignal is the panic value of Env.Crash. A panic (rather than
// os.Exit) unwinds only the worker's goroutine, so a test can run many
// workers in one process and restart the ones that "die".
type crashSignal struct{}

// Crash makes the worker die on the spot: it never reports the task it was
// running and never asks for another. The fault-injecting apps call it.
func (e *Env) Crash() { panic(crashSignal{}) }

// appFailure is the panic value of Env.Fatalf.
type appFailure struct{ err error }

// Fatalf stops the app's task with an error (an app has no error result;
// the classic apps called log.Fatal). The worker abandons the task and
// returns the error.
func (e *Env) Fatalf(format string, args ...interface{}) {
	panic(appFailure{fmt.Errorf(format, args...)})
}

// recoverCrash turns a Crash panic into ErrCrashed and a Fatalf panic into
// its error, in *err; any other panic is a programming error and keeps
// unwinding. Use it as defer recoverCrash(&err).
func recoverCrash(err *error) {
	r := recover()
	switch r := r.(type) {
	case nil:
	case crashSignal:
		*err = ErrCrashed
	case appFailure:
		*err = fmt.Errorf("mapreduce: app failed: %w", r.err)
	default:
		panic(r)
	}
}

// IHash is the partition function: FNV-1a (32 bit) of key, masked to 31
// bits. Reduce partition of key = IHash(key) % nReduce. It is inlined rather
// than using hash/fnv so that hashing a key never allocates.
func IHash(key string) int {
	const (
		offset32 = 2166136261
		prime32  = 16777619
	)
	h := uint32(offset32)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= prime32
	}
	return int(h & 0x7fffffff)
}

// IntermediateName is the name of map task mapTask's file for partition
// reduceTask.
func IntermediateName(mapTask, reduceTask int) string {
	return "mr-" + strconv.Itoa(mapTask) + "-" + strconv.Itoa(reduceTask)
}

// OutputName is the name of reduce task reduceTask's output file.
func OutputName(reduceTask int) string { return "mr-out-" + strconv.Itoa(reduceTask) }
