// Command puddlestore runs a PuddleStore cluster against a real ZooKeeper
// and is a shell to use its file system:
//
//	puddlestore [-zk ADDR] serve [-n N] [-replicas R] [-block B] [-reset]
//	puddlestore [-zk ADDR] [-wait D] ls|cat|mkdir|rm PATH
//	puddlestore [-zk ADDR] [-wait D] put LOCAL|- PATH
//
// ADDR is a ZooKeeper connect string, host:port[,host:port...][/chroot];
// a chroot gives the cluster a namespace of its own on a shared server.
// The cluster (serve) and every client command find each other through
// ZooKeeper: the block servers register there, and the clients read
// where they are.
//
// Exit codes: 0 success; 1 error (the reason on stderr); 2 usage error;
// 3 no cluster serves under the ZooKeeper root (start `puddlestore serve`
// or give -wait).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"distlabs/coord"
	"distlabs/coord/zk"
	"distlabs/puddlestore"
)

// Exit codes, documented in the package comment and in -h.
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitNoCluster = 3
)

// ZooKeeper session timings: a session lives sessionTimeout after its
// client goes silent (a killed serve's registrations vanish after that),
// and a command gives up on an unreachable server after connectWait.
const (
	sessionTimeout = 10 * time.Second
	connectWait    = 5 * time.Second
)

const usageText = `usage: puddlestore [flags] <command> [args]

Runs a PuddleStore cluster whose namespace and locks live in a real
ZooKeeper, and uses its file system. Start ZooKeeper first (make zookeeper
starts one on 127.0.0.1:2181), then a cluster, then the client commands.

Commands:
  serve [-n N] [-replicas R] [-block B] [-reset]
        run N Tapestry nodes, each with a block server registered in
        ZooKeeper, until interrupted (Ctrl-C); see "puddlestore serve -h"
  ls PATH         list directory PATH (directories end in /), or file PATH itself
  cat PATH        write file PATH to stdout
  put LOCAL PATH  store local file LOCAL ("-": stdin) as PATH, replacing it
  mkdir PATH      make directory PATH; its parent must exist
  rm PATH         remove file PATH or empty directory PATH

PATHs are absolute ("/docs/a.txt"). A client command needs a cluster
serving under the ZooKeeper root; it connects, does its one operation and
exits; others see a put once it has exited.

Flags:
`

const exitText = `
Exit codes: 0 ok; 1 error; 2 usage; 3 no cluster serves under the
ZooKeeper root (start "puddlestore serve", or wait for it with -wait).
`

// globals are the flags every command shares.
type globals struct {
	zk       string
	wait     time.Duration
	patience time.Duration
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run parses the global flags, dispatches to a command and returns the
// process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("puddlestore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var g globals
	fs.StringVar(&g.zk, "zk", "127.0.0.1:2181", "ZooKeeper connect `string`: host:port[,host:port...] and an optional /chroot path, a namespace of one's own, created if missing")
	fs.DurationVar(&g.wait, "wait", 0, "client commands: wait up to `D` for a cluster to serve under the root (0: exit 3 at once)")
	fs.DurationVar(&g.patience, "patience", 30*time.Second, "cat: how long to keep trying the replicas of a block before failing (`D`)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), exitText)
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err, fs, stdout)
	}
	if _, _, err := zk.ParseAddr(g.zk); err != nil {
		fmt.Fprintf(stderr, "puddlestore: -zk: %v\n", err)
		return exitUsage
	}
	if g.wait < 0 || g.patience <= 0 {
		fmt.Fprintln(stderr, "puddlestore: -wait must not be negative and -patience must be positive")
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "puddlestore: no command")
		fs.Usage()
		return exitUsage
	}
	linkZooKeeper()
	puddlestore.FetchPatience = g.patience
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	switch cmd {
	case "serve":
		return serve(g, rest, stdout, stderr)
	case "ls", "cat", "put", "mkdir", "rm":
		return client(g, cmd, rest, stdin, stdout, stderr)
	case "help":
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK
	}
	fmt.Fprintf(stderr, "puddlestore: unknown command %q (serve, ls, cat, put, mkdir, rm)\n", cmd)
	return exitUsage
}

// linkZooKeeper gives the puddlestore package its ZooKeeper: sessions
// through coord/zk, under the chroot of the connect string.
func linkZooKeeper() {
	puddlestore.ZooKeeper = func(addr string) (coord.Conn, error) {
		return zk.DialAddr(addr, sessionTimeout, connectWait)
	}
}

// fsPath checks a PATH argument and cleans it ("/a//b/" is "/a/b"): the
// file system takes only clean absolute paths.
func fsPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("%q: paths are absolute, e.g. /%s", p, strings.TrimLeft(p, "./"))
	}
	return path.Clean(p), nil
}
