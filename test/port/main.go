package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Exit statuses (see doc.go).
const (
	exitPorted = 0 // ported, nothing left by hand
	exitByHand = 1 // ported, with steps for a human
	exitFailed = 2 // bad command line, not a 6.824 tree, or an I/O error
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("port", flag.ContinueOnError)
	fs.SetOutput(stderr)
	src := fs.String("src", "", "the student's tree: a 6.824 `dir` of 2015 (viewservice, pbservice, paxos, kvpaxos, shardmaster, shardkv) or 2022 (raft, kvraft, shardctrler, shardkv), with or without src/")
	dst := fs.String("dst", "", "where to write the ported tree, a partial upload for `make grade SUBMISSION=dir` (`dir` must not exist or be empty; default: SRC-ported)")
	verbose := fs.Bool("v", false, "print every rewrite, not only the steps left by hand")
	kit := fs.String("kit", "", "the kit's module root, whose sources the type check reads (`dir`; default: the nearest directory above the current one whose go.mod is module distlabs)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./test/port -src DIR [-dst DIR] [-v]   (make port SRC=DIR [DST=DIR])\n\n"+
			"Ports a 6.824 student tree into this kit's layout and API (see test/port/doc.go).\n"+
			"Exit status: 0 ported; 1 ported, with steps left by hand (listed); 2 error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitPorted
		}
		return exitFailed
	}
	if *src == "" || fs.NArg() > 0 {
		fs.Usage()
		return exitFailed
	}
	if *dst == "" {
		*dst = filepath.Clean(*src) + "-ported"
	}
	if err := checkDst(*dst); err != nil {
		fmt.Fprintf(stderr, "port: %v\n", err)
		return exitFailed
	}
	if *kit == "" {
		if wd, err := os.Getwd(); err == nil {
			*kit = findKit(wd)
		}
	}
	var rep report
	c, pkgs, err := portTree(*src, *dst, *kit, &rep)
	if err != nil {
		fmt.Fprintf(stderr, "port: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "port: %s\n", describe(c, pkgs, *src))
	if *verbose {
		for _, n := range rep.notes {
			fmt.Fprintf(stdout, "  %s\n", n)
		}
	}
	fmt.Fprintf(stdout, "port: wrote %s; grade it with: make grade SUBMISSION=%s\n", *dst, *dst)
	if len(rep.manual) == 0 {
		return exitPorted
	}
	fmt.Fprintf(stdout, "port: %d step(s) left by hand:\n", len(rep.manual))
	for _, m := range rep.manual {
		fmt.Fprintf(stdout, "  by hand: %s\n", m)
	}
	return exitByHand
}

// checkDst refuses to write into a directory that holds files: a port
// over an older one would mix the two.
func checkDst(dst string) error {
	entries, err := os.ReadDir(dst)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("destination %s: %w", dst, err)
	case len(entries) > 0:
		return fmt.Errorf("destination %s is not empty: remove it or name another with -dst", dst)
	}
	return nil
}
