package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"distlabs/labrpc"
	"distlabs/mapreduce"
)

// runCoordinator serves a Coordinator on a TCP address until the job is
// done, then lingers briefly so that polling workers hear "exit".
func runCoordinator(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mr coordinator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:7070", "TCP `HOST:PORT` to listen on (port 0: pick a free port; the bound address is printed)")
	nReduce := fs.Int("nreduce", 10, "number of reduce tasks (`N` >= 1)")
	linger := fs.Duration("linger", time.Second, "how long to keep answering after the job is done, so workers are told to exit")
	dir := fs.String("dir", ".", "the job's shared `DIR`ectory: cleaned of stale temporary files at start; "+mapreduce.DoneMarker+" is written there last")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mr coordinator [flags] FILES...\n\n"+
			"Hands out one map task per input FILE and -nreduce reduce tasks to workers,\n"+
			"reassigns a task not finished within %v, and exits 0 when the job is done,\n"+
			"after writing "+mapreduce.DoneMarker+" (outputs without it are incomplete). A missing\n"+
			"input FILE is an error (exit 1) before anything starts.\n"+
			"Prints \"listening on HOST:PORT\" and, at the end, \"job done in DURATION\".\n\nFlags:\n",
			mapreduce.TaskTimeout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if *nReduce < 1 {
		fmt.Fprintln(stderr, "mr coordinator: -nreduce must be at least 1")
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "mr coordinator: no input files")
		fs.Usage()
		return exitUsage
	}

	for _, name := range fs.Args() {
		// A missing input would make every worker that picks its task
		// fail, and the job wait forever: refuse before listening.
		// (Workers resolve names against -dir, as the coordinator does.)
		if fi, err := os.Stat(resolveIn(*dir, name)); err != nil {
			fmt.Fprintf(stderr, "mr coordinator: input file %s: %v\n", name, err)
			return exitError
		} else if !fi.Mode().IsRegular() {
			fmt.Fprintf(stderr, "mr coordinator: input file %s: not a regular file\n", name)
			return exitError
		}
	}
	if err := mapreduce.CleanJobDir(*dir); err != nil {
		fmt.Fprintf(stderr, "mr coordinator: %v\n", err)
		return exitError
	}

	start := time.Now()
	c := mapreduce.MakeCoordinator(fs.Args(), *nReduce)
	c.RequireAttempts()
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(c))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "mr coordinator: %v\n", err)
		return exitError
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())

	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !c.Done() {
		select {
		case err := <-served:
			fmt.Fprintf(stderr, "mr coordinator: %v\n", err)
			return exitError
		case <-tick.C:
		}
	}
	if err := mapreduce.WriteDoneMarker(*dir, *nReduce); err != nil {
		fmt.Fprintf(stderr, "mr coordinator: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "job done in %v\n", time.Since(start).Round(time.Millisecond))
	time.Sleep(*linger)
	if err := ln.Close(); err != nil {
		fmt.Fprintf(stderr, "mr coordinator: close listener: %v\n", err)
	}
	<-served // Serve closes its connections and returns once the listener is closed
	return exitOK
}

// resolveIn interprets name relative to dir unless it is absolute, as the
// workers do with their -dir.
func resolveIn(dir, name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}

// parseExit maps a flag parsing error to an exit code (-h is not an error).
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}
