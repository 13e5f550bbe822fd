package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"distlabs/mapreduce"
	"distlabs/mapreduce/apps"
)

// runSequential runs an app in this process: the reference output.
func runSequential(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mr sequential", flag.ContinueOnError)
	fs.SetOutput(stderr)
	appName := fs.String("app", "wc", "application `NAME` (one of the registered apps)")
	out := fs.String("o", "mr-out-0", "output `FILE` name, in the current directory")
	combine := fs.Bool("combine", true, "use the app's combiner per input file, if it has one, as workers do")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mr sequential [flags] FILES...\n\n"+
			"Runs the app over FILES in one process and writes every output line,\n"+
			"sorted by key, to -o. Exit codes: 0 ok; 1 error; 2 usage; 3 the app crashed.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	app, err := apps.Lookup(*appName)
	if err != nil {
		fmt.Fprintf(stderr, "mr sequential: %v\n", err)
		return exitUsage
	}
	runSeq := mapreduce.RunSequential
	if !*combine {
		runSeq = mapreduce.RunSequentialNoCombine
	}
	if err := runSeq(app, ".", fs.Args(), *out); err != nil {
		fmt.Fprintf(stderr, "mr sequential: %v\n", err)
		if errors.Is(err, mapreduce.ErrCrashed) {
			return exitCrashed
		}
		return exitError
	}
	return exitOK
}
