// Package cliargs parses the command line shared by surfstore's client
// commands ([-d] -f config.json BASEDIR BLOCKSIZE) and reports bad input
// the way every surfstore command does: one line naming the problem, and
// exit status 2.
package cliargs

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"

	"distlabs/surfstore"
)

// Client is a parsed client command line.
type Client struct {
	Config    surfstore.RaftConfig
	BaseDir   string
	BlockSize int
	// Logger is where -d sends the client's account of a sync (stderr),
	// or a logger that says nothing.
	Logger *log.Logger
}

// ParseClient parses args (without the program name) for the command
// name, whose purpose is what, e.g. "syncs BASEDIR with the servers".
// -h prints the usage and returns flag.ErrHelp.
func ParseClient(name, what string, args []string, stderr io.Writer) (Client, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Errors come back as one line (Exit); the usage only for -h.
	fs.SetOutput(io.Discard)
	debug := fs.Bool("d", false, "debug: log what the command does to stderr")
	config := fs.String("f", "", "the cluster's JSON config `file`: {\"RaftAddrs\": [MetaStore addresses], \"BlockAddrs\": [BlockStore addresses]} (required)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: %s [-d] -f config.json BASEDIR BLOCKSIZE\n\n%s %s.\n", name, name, what)
		fmt.Fprintf(fs.Output(), "BASEDIR is the directory kept in sync (only regular files directly in it; index.db\n"+
			"there records the last sync); BLOCKSIZE is the block size in bytes (1..%d).\n\n", surfstore.MaxBlockSize)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fs.Usage()
		}
		return Client{}, err
	}
	if *config == "" {
		return Client{}, errors.New("-f config.json is required")
	}
	if fs.NArg() != 2 {
		return Client{}, fmt.Errorf("want BASEDIR and BLOCKSIZE after the flags, got %d arguments", fs.NArg())
	}
	c := Client{BaseDir: fs.Arg(0), Logger: log.New(io.Discard, "", 0)}
	if *debug {
		c.Logger = log.New(stderr, name+": ", log.Lmicroseconds)
	}
	bs, err := strconv.Atoi(fs.Arg(1))
	if err != nil || bs < 1 || bs > surfstore.MaxBlockSize {
		return Client{}, fmt.Errorf("BLOCKSIZE %q: want a number of bytes in 1..%d", fs.Arg(1), surfstore.MaxBlockSize)
	}
	c.BlockSize = bs
	fi, err := os.Stat(c.BaseDir)
	if err != nil {
		return Client{}, fmt.Errorf("BASEDIR: %w", err)
	}
	if !fi.IsDir() {
		return Client{}, fmt.Errorf("BASEDIR %s is not a directory", c.BaseDir)
	}
	if c.Config, err = surfstore.ReadRaftConfig(*config); err != nil {
		return Client{}, err
	}
	return c, nil
}

// Exit ends a command that failed to parse its arguments: status 0 after
// -h, else one line "name: reason" and status 2.
func Exit(name string, err error) {
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	fmt.Fprintf(os.Stderr, "%s: %v (see %s -h)\n", name, err, name)
	os.Exit(2)
}
