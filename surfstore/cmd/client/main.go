// Command client syncs a directory with a surfstore cluster, once:
//
//	client [-d] -f config.json BASEDIR BLOCKSIZE
//
// It exits 0 after a complete sync, 1 if the sync failed (the reason on
// one line of stderr; the directory and its index.db are then as they were
// or partly updated file by file, never half-written), 2 on bad arguments.
package main

import (
	"fmt"
	"os"

	"distlabs/surfstore"
	"distlabs/surfstore/internal/cliargs"
)

func main() {
	args, err := cliargs.ParseClient("client", "syncs BASEDIR with the servers of the config, once", os.Args[1:], os.Stderr)
	if err != nil {
		cliargs.Exit("client", err)
	}
	c := surfstore.NewSurfstoreRPCClient(args.Config.RaftAddrs, args.BaseDir, args.BlockSize, surfstore.WithLogger(args.Logger))
	if err := surfstore.ClientSync(c); err != nil {
		fmt.Fprintf(os.Stderr, "client: %v\n", err)
		os.Exit(1)
	}
}
