package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"syscall"

	"distlabs/coord/zk"
	"distlabs/puddlestore"
)

// Bounds on serve's flags: past them a typo (a block size in bytes where
// KB was meant) would exhaust memory rather than fail.
const (
	maxNodes     = 64
	maxBlockSize = 16 << 20
)

// serve runs a cluster until SIGINT or SIGTERM, then shuts it down.
func serve(g globals, args []string, stdout, stderr io.Writer) int {
	def := puddlestore.DefaultConfig()
	fs := flag.NewFlagSet("puddlestore serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", def.NumTapestry, fmt.Sprintf("Tapestry nodes to run, each with a block server (`N`, 1-%d)", maxNodes))
	replicas := fs.Int("replicas", def.NumReplicas, "copies of each block, each on its own node (`R`, 1-N); a cluster already in ZooKeeper keeps its own")
	block := fs.Uint64("block", def.BlockSize, fmt.Sprintf("block size in bytes (`B`, 1-%d); must match a cluster already in ZooKeeper", maxBlockSize))
	reset := fs.Bool("reset", false, "first delete the file system an earlier cluster left under the ZooKeeper root (its blocks died with that cluster's nodes)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: puddlestore [-zk ADDR] serve [flags]\n\n"+
			"Starts N Tapestry nodes on loopback (free ports), a block server beside\n"+
			"each, registers the block servers in ZooKeeper under %s, and serves\n"+
			"until interrupted (Ctrl-C or SIGTERM), then shuts down (exit 0). Prints\n"+
			"\"serving ...\" once clients can connect. The namespace stays in\n"+
			"ZooKeeper after a shutdown, but the blocks live only in the nodes: a\n"+
			"later cluster finds the files and cannot read them (-reset).\n"+
			"Refuses to start while another cluster serves under the same root.\n\nFlags:\n",
			puddlestore.Root)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err, fs, stdout)
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "puddlestore serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	case *n < 1 || *n > maxNodes:
		fmt.Fprintf(stderr, "puddlestore serve: -n %d: want 1 to %d nodes\n", *n, maxNodes)
		return exitUsage
	case *replicas < 1 || *replicas > *n:
		fmt.Fprintf(stderr, "puddlestore serve: -replicas %d: want 1 to -n (%d): each copy needs a node of its own\n", *replicas, *n)
		return exitUsage
	case *block < 1 || *block > maxBlockSize:
		fmt.Fprintf(stderr, "puddlestore serve: -block %d: want 1 to %d bytes\n", *block, maxBlockSize)
		return exitUsage
	}
	if code := prepare(g.zk, *reset, stderr); code != exitOK {
		return code
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(stderr, "puddlestore: starting %d Tapestry nodes\n", *n)
	c, err := puddlestore.CreateCluster(puddlestore.Config{BlockSize: *block, NumReplicas: *replicas, NumTapestry: *n, ZkAddr: g.zk})
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore serve: %v\n", err)
		return exitError
	}
	st, err := readState(g.zk)
	if err != nil {
		c.Shutdown()
		fmt.Fprintf(stderr, "puddlestore serve: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "serving %d nodes (%d replicas of %d-byte blocks) under ZooKeeper %s; Ctrl-C stops\n",
		len(st.Servers), st.Config.NumReplicas, st.Config.BlockSize, g.zk)
	<-ctx.Done()
	fmt.Fprintln(stderr, "puddlestore: shutting down")
	c.Shutdown()
	fmt.Fprintln(stdout, "stopped")
	return exitOK
}

// prepare checks the ZooKeeper root before a cluster starts there: no
// other cluster may serve (two meshes under one root would each hold
// blocks the other's clients look for in vain), and what an earlier one
// left is deleted with reset, or else reported.
func prepare(addr string, reset bool, stderr io.Writer) int {
	conn, err := puddlestore.ZooKeeper(addr)
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore serve: %v (is ZooKeeper running? make zookeeper starts one)\n", err)
		return exitError
	}
	defer conn.Close()
	st, err := puddlestore.ReadState(conn)
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore serve: %v\n", err)
		return exitError
	}
	if len(st.Servers) > 0 {
		fmt.Fprintf(stderr, "puddlestore serve: a cluster already serves under ZooKeeper %s (%d block servers registered): stop it, or give another root (-zk host:port/other); a cluster that was killed stays registered until its session expires (%v)\n",
			addr, len(st.Servers), sessionTimeout)
		return exitError
	}
	switch {
	case reset && st.Created:
		if err := zk.RemoveAll(conn, puddlestore.Root); err != nil {
			fmt.Fprintf(stderr, "puddlestore serve: -reset: %v\n", err)
			return exitError
		}
		fmt.Fprintf(stderr, "puddlestore: -reset: deleted the earlier cluster's %s\n", puddlestore.Root)
	case st.Entries > 0:
		fmt.Fprintf(stderr, "puddlestore: ZooKeeper holds %d entries in / from an earlier cluster; their blocks died with its nodes, so its files cannot be read (-reset deletes them)\n", st.Entries)
	}
	return exitOK
}

// readState reads the cluster's state through a session of its own.
func readState(addr string) (puddlestore.State, error) {
	conn, err := puddlestore.ZooKeeper(addr)
	if err != nil {
		return puddlestore.State{}, err
	}
	defer conn.Close()
	return puddlestore.ReadState(conn)
}

// parseExit maps a flag parsing error to an exit code; -h prints the
// usage on stdout and is not an error.
func parseExit(err error, fs *flag.FlagSet, stdout io.Writer) int {
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	return exitUsage
}
