// Command print_block_mapping prints which BlockStore holds each block of
// the files in a directory's index (the state of its last sync):
//
//	print_block_mapping [-d] -f config.json BASEDIR BLOCKSIZE
//
// One line per distinct block, "HASH ADDRESS", sorted by hash, as the
// MetaStore's GetBlockStoreMap answers. Exit status 1 if the index or the
// MetaStore fails, 2 on bad arguments.
package main

import (
	"fmt"
	"os"
	"sort"

	"distlabs/surfstore"
	"distlabs/surfstore/internal/cliargs"
)

func main() {
	args, err := cliargs.ParseClient("print_block_mapping", "prints the BlockStore of every block in BASEDIR's index", os.Args[1:], os.Stderr)
	if err != nil {
		cliargs.Exit("print_block_mapping", err)
	}
	if err := run(args); err != nil {
		fmt.Fprintf(os.Stderr, "print_block_mapping: %v\n", err)
		os.Exit(1)
	}
}

func run(args cliargs.Client) error {
	index, err := surfstore.LoadMetaFromMetaFile(args.BaseDir)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var hashes []string
	for _, m := range index {
		for _, h := range m.GetBlockHashList() {
			if h != surfstore.TombstoneHash && h != surfstore.EmptyFileHash && !seen[h] {
				seen[h] = true
				hashes = append(hashes, h)
			}
		}
	}
	sort.Strings(hashes)
	args.Logger.Printf("%d files, %d distinct blocks in the index", len(index), len(hashes))
	if len(hashes) == 0 {
		return nil
	}
	c := surfstore.NewSurfstoreRPCClient(args.Config.RaftAddrs, args.BaseDir, args.BlockSize, surfstore.WithLogger(args.Logger))
	var m map[string][]string
	if err := c.GetBlockStoreMap(hashes, &m); err != nil {
		return err
	}
	where := map[string]string{}
	for addr, hs := range m {
		for _, h := range hs {
			where[h] = addr
		}
	}
	for _, h := range hashes {
		if _, err := fmt.Printf("%s %s\n", h, where[h]); err != nil {
			return err
		}
	}
	return nil
}
