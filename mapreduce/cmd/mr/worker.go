package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"distlabs/labrpc"
	"distlabs/mapreduce"
	"distlabs/mapreduce/apps"
)

// runWorker runs one worker against a coordinator over TCP, with the
// current directory (or -dir) as the job's shared directory.
func runWorker(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mr worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appName := fs.String("app", "wc", "application `NAME` (one of the registered apps)")
	dir := fs.String("dir", ".", "the job's shared `DIR`ectory, where mr-X-Y and mr-out-Y are written")
	id := fs.String("id", "", "worker `ID` (default HOSTNAME-PID)")
	poll := fs.Duration("poll", mapreduce.DefaultPollInterval, "wait between asks when there is no task yet")
	patience := fs.Duration("patience", 2*time.Second, "how long the coordinator may be unreachable (not yet started, or gone) before the worker exits")
	seed := fs.Uint64("seed", 0, "seed for the app's random choices (0: random)")
	combine := fs.Bool("combine", true, "use the app's combiner, if it has one (false: to measure what it buys)")
	verbose := fs.Bool("v", false, "log each task to stderr")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mr worker [flags] HOST:PORT\n\n"+
			"Asks the coordinator at HOST:PORT for tasks until told the job is done.\n"+
			"Exit codes: 0 job done; 1 error; 2 usage; 3 crashed by the app; 4 coordinator gone.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	app, err := apps.Lookup(*appName)
	if err != nil {
		fmt.Fprintf(stderr, "mr worker: %v\n", err)
		return exitUsage
	}
	if *id == "" {
		host, err := os.Hostname()
		if err != nil {
			host = "worker"
		}
		*id = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	var rng *rand.Rand
	if *seed != 0 {
		rng = rand.New(rand.NewPCG(*seed, 0))
	}
	if *poll <= 0 || *patience <= 0 {
		fmt.Fprintln(stderr, "mr worker: -poll and -patience must be positive")
		return exitUsage
	}
	end := labrpc.MakeTCPEnd(fs.Arg(0))
	defer end.Close()
	// One deadline per call, from dialing to the reply: a coordinator that
	// accepts but never answers costs one -patience, not the end's 10 s
	// default per attempt.
	end.SetTimeout(*patience)
	cfg := mapreduce.WorkerConfig{
		ID: *id, Dir: *dir, App: app, Coordinator: end, Rand: rng, PollInterval: *poll, NoCombine: !*combine,
		MaxFailures: max(mapreduce.DefaultMaxFailures, int(*patience / *poll)), Patience: *patience,
	}
	if *verbose {
		cfg.Logf = func(format string, args ...interface{}) {
			fmt.Fprintf(stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
		}
	}
	switch err := mapreduce.RunWorker(cfg); {
	case err == nil:
		return exitOK
	case errors.Is(err, mapreduce.ErrCrashed):
		fmt.Fprintf(stderr, "mr worker %s: %v\n", *id, err)
		return exitCrashed
	case errors.Is(err, mapreduce.ErrCoordinatorGone):
		fmt.Fprintf(stderr, "mr worker %s: %v\n", *id, err)
		return exitCoordinator
	default:
		fmt.Fprintf(stderr, "mr worker %s: %v\n", *id, err)
		return exitError
	}
}
