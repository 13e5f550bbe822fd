package zk

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"distlabs/coord"
)

// ParseAddr splits a ZooKeeper connect string, "host:port[,host:port...]"
// with an optional chroot path at the end ("127.0.0.1:2181/app"), the
// form ZooKeeper's own clients take. The chroot is "" when there is none
// (or it is "/").
func ParseAddr(addr string) (servers []string, root string, err error) {
	hosts := addr
	if i := strings.IndexByte(addr, '/'); i >= 0 {
		hosts, root = addr[:i], addr[i:]
	}
	for _, s := range strings.Split(hosts, ",") {
		if strings.TrimSpace(s) == "" {
			return nil, "", fmt.Errorf("zk: connect string %q: want host:port[,host:port...][/chroot]", addr)
		}
		servers = append(servers, strings.TrimSpace(s))
	}
	if root == "/" {
		root = ""
	}
	if root != "" {
		if err := checkRoot(root); err != nil {
			return nil, "", fmt.Errorf("zk: connect string %q: %w", addr, err)
		}
	}
	return servers, root, nil
}

// checkRoot checks a chroot path: absolute, no trailing slash, no empty,
// "." or ".." components.
func checkRoot(root string) error {
	if strings.HasSuffix(root, "/") {
		return fmt.Errorf("chroot %q ends in /: %w", root, coord.ErrInvalidPath)
	}
	for _, c := range strings.Split(root[1:], "/") {
		if c == "" || c == "." || c == ".." {
			return fmt.Errorf("chroot %q: %w", root, coord.ErrInvalidPath)
		}
	}
	return nil
}

// DialAddr opens a session with the ensemble of a connect string (see
// ParseAddr), as Dial does. With a chroot, every path of the session is
// under it, and DialAddr creates the chroot's nodes first if they are
// missing (ZooKeeper's own clients leave that to the user; here a fresh
// chroot is the usual way to get a namespace of one's own).
func DialAddr(addr string, timeout, wait time.Duration) (*Conn, error) {
	servers, root, err := ParseAddr(addr)
	if err != nil {
		return nil, err
	}
	z, err := Dial(servers, timeout, wait)
	if err != nil {
		return nil, err
	}
	if root == "" {
		return z, nil
	}
	at := ""
	for _, c := range strings.Split(root[1:], "/") {
		at += "/" + c
		if _, err := z.Create(at, nil, 0); err != nil && !errors.Is(err, coord.ErrNodeExists) {
			z.Close()
			return nil, fmt.Errorf("zk: create chroot %s: %w", at, err)
		}
	}
	z.root = root
	return z, nil
}

// RemoveAll deletes p and every node under it, whatever their versions.
// A node that is already gone is not an error. Meant for clearing a test's
// or a demo's tree: nodes created under p meanwhile make it fail with
// coord.ErrNotEmpty.
func RemoveAll(c coord.Conn, p string) error {
	kids, _, err := c.Children(p)
	if errors.Is(err, coord.ErrNoNode) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("zk: children of %s: %w", p, err)
	}
	for _, k := range kids {
		child := p + "/" + k
		if p == "/" {
			child = "/" + k
		}
		if err := RemoveAll(c, child); err != nil {
			return err
		}
	}
	if err := c.Delete(p, coord.AnyVersion); err != nil && !errors.Is(err, coord.ErrNoNode) {
		return fmt.Errorf("zk: delete %s: %w", p, err)
	}
	return nil
}
