package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"distlabs/puddlestore"
)

// chunk is how much put reads and cat writes at a time.
const chunk = 1 << 20

// bigPut is the size from which put reports its progress on stderr.
const bigPut = 8 << 20

// clientUsage is each client command's usage line and what it does.
var clientUsage = map[string]string{
	"ls":    "ls PATH\n\nLists directory PATH, one name a line, directories ending in /; a file\nlists its own name.",
	"cat":   "cat PATH\n\nWrites file PATH to stdout, as of when it was opened.",
	"put":   "put LOCAL PATH\n\nStores local file LOCAL (\"-\": stdin) as PATH, whose directory must\nexist. An existing file PATH is removed first (a reader in between finds\nno file); the new contents appear at once when put closes the file.",
	"mkdir": "mkdir PATH\n\nMakes directory PATH; its parent must exist.",
	"rm":    "rm PATH\n\nRemoves file PATH or empty directory PATH.",
}

// client runs one client command: it waits for a cluster if -wait says
// so, connects through ZooKeeper, does its operation and exits.
func client(g globals, cmd string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("puddlestore "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: puddlestore [-zk ADDR] [-wait D] %s\n\nGlobal flags: puddlestore -h.\n", clientUsage[cmd])
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err, fs, stdout)
	}
	want := 1
	if cmd == "put" {
		want = 2
	}
	if fs.NArg() != want {
		fmt.Fprintf(stderr, "puddlestore %s: want %d argument(s), got %d\n", cmd, want, fs.NArg())
		fs.Usage()
		return exitUsage
	}
	p, err := fsPath(fs.Arg(want - 1))
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore %s: %v\n", cmd, err)
		return exitUsage
	}
	// put reads its input before it touches the file system, so that a
	// missing local file changes nothing.
	var in io.Reader
	if cmd == "put" {
		if fs.Arg(0) == "-" {
			in = stdin
		} else {
			f, err := os.Open(fs.Arg(0))
			if err != nil {
				fmt.Fprintf(stderr, "puddlestore put: %v\n", err)
				return exitError
			}
			defer f.Close()
			in = f
		}
	}
	// Even the commands that only touch the namespace wait for a serving
	// cluster: the tree of a stopped one may be what a starting serve
	// -reset is deleting.
	if code := awaitCluster(g, stderr); code != exitOK {
		return code
	}
	c, err := puddlestore.ConnectZooKeeper(g.zk)
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore %s: %v\n", cmd, err)
		return exitError
	}
	defer c.Exit()
	switch cmd {
	case "ls":
		err = ls(c, p, stdout)
	case "cat":
		err = cat(c, p, stdout)
	case "put":
		err = put(c, in, p, stderr)
	case "mkdir":
		err = c.Mkdir(p)
	case "rm":
		err = c.Remove(p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore %s: %v\n", cmd, err)
		return exitError
	}
	return exitOK
}

// awaitCluster waits up to -wait for a cluster to serve under the
// ZooKeeper root: its tree there and block servers registered.
func awaitCluster(g globals, stderr io.Writer) int {
	conn, err := puddlestore.ZooKeeper(g.zk)
	if err != nil {
		fmt.Fprintf(stderr, "puddlestore: %v (is ZooKeeper running? make zookeeper starts one)\n", err)
		return exitError
	}
	defer conn.Close()
	deadline := time.Now().Add(g.wait)
	for {
		st, err := puddlestore.ReadState(conn)
		if err != nil {
			fmt.Fprintf(stderr, "puddlestore: %v\n", err)
			return exitError
		}
		if st.Created && len(st.Servers) > 0 {
			return exitOK
		}
		if !time.Now().Before(deadline) {
			what := "no cluster was ever created"
			if st.Created {
				what = "the cluster has no block servers"
			}
			fmt.Fprintf(stderr, "puddlestore: no cluster serves under ZooKeeper %s (%s): start one with puddlestore -zk %s serve\n", g.zk, what, g.zk)
			return exitNoCluster
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ls prints the names in directory p, directories with a trailing /, or
// p's own name if it is a file.
func ls(c puddlestore.Client, p string, stdout io.Writer) error {
	names, err := c.List(p)
	if err != nil {
		return err
	}
	if isDir, err := dir(c, p); err != nil || !isDir {
		if err == nil {
			_, err = fmt.Fprintln(stdout, path.Base(p))
		}
		return err
	}
	for _, n := range names {
		isDir, err := dir(c, path.Join(p, n))
		if errors.Is(err, puddlestore.ErrNotFound) {
			continue // removed since the listing
		}
		if err != nil {
			return err
		}
		if isDir {
			n += "/"
		}
		if _, err := fmt.Fprintln(stdout, n); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
	}
	return nil
}

// dir reports whether p is a directory: Open refuses those.
func dir(c puddlestore.Client, p string) (bool, error) {
	fd, err := c.Open(p, false, false)
	if errors.Is(err, puddlestore.ErrIsDir) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, c.Close(fd)
}

// cat copies file p to stdout, chunk by chunk, from the version Open saw.
func cat(c puddlestore.Client, p string, stdout io.Writer) error {
	fd, err := c.Open(p, false, false)
	if err != nil {
		return err
	}
	for off := uint64(0); ; {
		data, err := c.Read(fd, off, chunk)
		if err == nil {
			_, err = stdout.Write(data)
			if err != nil {
				err = fmt.Errorf("write stdout: %w", err)
			}
		}
		if err != nil || len(data) < chunk {
			// A read-only fd has nothing to publish; Close only frees it.
			return errors.Join(err, c.Close(fd))
		}
		off += uint64(len(data))
	}
}

// put stores in as file p, replacing an existing file: the file system
// has no truncate, so an old file is removed first. Large files report
// their progress on stderr.
func put(c puddlestore.Client, in io.Reader, p string, stderr io.Writer) error {
	isDir, err := dir(c, p)
	switch {
	case err == nil && isDir:
		return fmt.Errorf("%s: %w", p, puddlestore.ErrIsDir)
	case err == nil:
		if err := c.Remove(p); err != nil && !errors.Is(err, puddlestore.ErrNotFound) {
			return err
		}
	case !errors.Is(err, puddlestore.ErrNotFound):
		return err
	}
	start := time.Now()
	fd, err := c.Open(p, true, true)
	if err != nil {
		return err
	}
	buf := make([]byte, chunk)
	var off uint64
	for {
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			if err := c.Write(fd, off, buf[:n]); err != nil {
				return err // Exit drops the fd unpublished
			}
			off += uint64(n)
			if off%(16*chunk) == 0 {
				fmt.Fprintf(stderr, "puddlestore put: %d MiB read\n", off>>20)
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("read input: %w", rerr)
		}
	}
	if off >= bigPut {
		fmt.Fprintf(stderr, "puddlestore put: storing %d bytes in blocks\n", off)
	}
	if err := c.Close(fd); err != nil {
		return err
	}
	if off >= bigPut {
		fmt.Fprintf(stderr, "puddlestore put: %s: %d bytes in %v\n", p, off, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
