// Command raft_server runs one server of surfstore's Raft-replicated
// MetaStore (stage 3) over TCP, as the course's raft_server does:
//
//	raft_server -f config.json -i ID [-d]
//
// The config is the cluster's JSON file {"RaftAddrs": [...], "BlockAddrs":
// [...]}; server ID listens on RaftAddrs[ID] and serves both the
// RaftSurfstore service (the protocol and the test hooks) and the MetaStore
// service the sync client uses. A cluster starts with no leader: a test or
// tool calls SetLeader on one server and SendHeartbeat when it likes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"distlabs/surfstore"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr, make(chan os.Signal, 1)))
}

// run is the command with its arguments; it returns the exit status:
// 0 after -h or a clean stop, 2 for bad flags or a bad config (as every
// surfstore command), 1 for a server that could not serve. Every failure is one line on stderr. The
// server stops when sig delivers (SIGINT or SIGTERM from main).
func run(args []string, stderr io.Writer, sig chan os.Signal) int {
	fs := flag.NewFlagSet("raft_server", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse errors are reported below, on one line
	configPath := fs.String("f", "", `cluster config, JSON {"RaftAddrs": [...], "BlockAddrs": [...]} (required)`)
	id := fs.Int64("i", -1, "this server's index in RaftAddrs, from 0 (required)")
	debug := fs.Bool("d", false, "log the server's state changes (leadership, crashes, log repair, applied updates) to stderr")
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "raft_server: "+format+"\n", a...)
		return code
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "usage: raft_server -f config.json -i ID [-d]")
			fmt.Fprintln(stderr, "Runs raft server ID of the cluster in config.json on RaftAddrs[ID] (RaftSurfstore and MetaStore gRPC services).")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return 0
		}
		return fail(2, "%v (see -h)", err)
	}
	switch {
	case fs.NArg() > 0:
		return fail(2, "unexpected argument %q (see -h)", fs.Arg(0))
	case *configPath == "":
		return fail(2, "-f config.json is required (see -h)")
	case *id < 0:
		return fail(2, "-i ID is required and must be 0 or more (see -h)")
	}
	config, err := surfstore.ReadRaftConfig(*configPath)
	if err != nil {
		return fail(2, "%v", err)
	}
	if *id >= int64(len(config.RaftAddrs)) {
		return fail(2, "-i %d: %s lists %d raft servers", *id, *configPath, len(config.RaftAddrs))
	}
	server, err := surfstore.NewRaftServer(*id, config)
	if err != nil {
		return fail(2, "%v", err)
	}
	if *debug {
		server.SetDebugLog(log.New(stderr, "", log.Ltime|log.Lmicroseconds))
	}
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	served := make(chan error, 1)
	go func() { served <- surfstore.ServeRaftServer(server, config) }()
	select {
	case err := <-served:
		server.Stop()
		return fail(1, "%v", err)
	case <-sig:
		server.Stop()
		if err := <-served; err != nil {
			return fail(1, "%v", err)
		}
		return 0
	}
}
