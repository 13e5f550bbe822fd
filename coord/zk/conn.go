package zk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gozk "github.com/go-zookeeper/zk"

	"distlabs/coord"
)

// Conn is a session with a ZooKeeper ensemble; it implements coord.Conn.
// A Conn from DialAddr with a chroot sees only the tree under its root,
// as ZooKeeper's own clients do with "host:port/root".
type Conn struct {
	c    *gozk.Conn
	root string // the chroot, "" for none; never ends in "/"
}

var _ coord.Conn = (*Conn)(nil)

// Dial opens a session with the ensemble at servers ("host:port") with
// the given session timeout, and waits up to wait for the server to grant
// it.
func Dial(servers []string, timeout, wait time.Duration) (*Conn, error) {
	c, events, err := gozk.Connect(servers, timeout, gozk.WithLogInfo(false), gozk.WithLogger(quiet{}))
	if err != nil {
		return nil, fmt.Errorf("zk: connect to %v: %w", servers, err)
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return nil, fmt.Errorf("zk: connect to %v: %w", servers, coord.ErrClosed)
			}
			if ev.State == gozk.StateHasSession {
				// The client's goroutines keep sending session events; the
				// drain goroutine takes them until Close closes the channel.
				go drain(events)
				return &Conn{c: c}, nil
			}
		case <-deadline.C:
			c.Close()
			go drain(events)
			return nil, fmt.Errorf("zk: no session from %v within %v", servers, wait)
		}
	}
}

// drain discards session events until the client closes the channel on
// Close; the client drops events when the channel is full, but a reader
// keeps the latest state visible in a debugger.
func drain(events <-chan gozk.Event) {
	for range events {
	}
}

// quiet discards the client's log lines: it logs every reconnection,
// which in tests is noise.
type quiet struct{}

// Printf discards a log line.
func (quiet) Printf(string, ...any) {}

// mapErr translates the client's errors to coord's, keeping the
// original text.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var to error
	switch {
	case errors.Is(err, gozk.ErrNoNode):
		to = coord.ErrNoNode
	case errors.Is(err, gozk.ErrNodeExists):
		to = coord.ErrNodeExists
	case errors.Is(err, gozk.ErrBadVersion):
		to = coord.ErrBadVersion
	case errors.Is(err, gozk.ErrNotEmpty):
		to = coord.ErrNotEmpty
	case errors.Is(err, gozk.ErrNoChildrenForEphemerals):
		to = coord.ErrNoChildren
	case errors.Is(err, gozk.ErrInvalidPath), errors.Is(err, gozk.ErrBadArguments):
		to = coord.ErrInvalidPath
	case errors.Is(err, gozk.ErrSessionExpired):
		to = coord.ErrSessionExpired
	case errors.Is(err, gozk.ErrClosing), errors.Is(err, gozk.ErrConnectionClosed):
		to = coord.ErrClosed
	default:
		return fmt.Errorf("zk: %w", err)
	}
	return fmt.Errorf("%w (%v)", to, err)
}

// stat converts the client's Stat.
func stat(s *gozk.Stat) *coord.Stat {
	if s == nil {
		return nil
	}
	return &coord.Stat{
		Czxid:          s.Czxid,
		Mzxid:          s.Mzxid,
		Version:        s.Version,
		Cversion:       s.Cversion,
		EphemeralOwner: s.EphemeralOwner,
		DataLength:     s.DataLength,
		NumChildren:    s.NumChildren,
	}
}

// watch forwards a watch's one event, translated. The client sends one
// event on each watch channel and closes it, also when the session ends
// (EventNotWatching), so the goroutine always exits.
func (z *Conn) watch(in <-chan gozk.Event) <-chan coord.Event {
	out := make(chan coord.Event, 1)
	go func() {
		ev, ok := <-in
		if !ok {
			out <- coord.Event{Type: coord.EventNotWatching, Err: coord.ErrClosed}
			return
		}
		ev.Path = z.unroot(ev.Path)
		out <- event(ev)
	}()
	return out
}

// event translates one watch event.
func event(ev gozk.Event) coord.Event {
	out := coord.Event{Path: ev.Path}
	switch ev.Type {
	case gozk.EventNodeCreated:
		out.Type = coord.EventNodeCreated
	case gozk.EventNodeDeleted:
		out.Type = coord.EventNodeDeleted
	case gozk.EventNodeDataChanged:
		out.Type = coord.EventNodeDataChanged
	case gozk.EventNodeChildrenChanged:
		out.Type = coord.EventNodeChildrenChanged
	default:
		out.Type = coord.EventNotWatching
		out.Err = mapErr(ev.Err)
		if out.Err == nil {
			out.Err = coord.ErrClosed
		}
	}
	return out
}

// Create makes a node; see coord.Conn.
func (z *Conn) Create(path string, data []byte, flags int32) (string, error) {
	p, err := z.c.Create(z.full(path), data, flags, gozk.WorldACL(gozk.PermAll))
	if err != nil {
		return "", mapErr(err)
	}
	return z.unroot(p), nil
}

// Get returns a node's data and Stat; see coord.Conn.
func (z *Conn) Get(path string) ([]byte, *coord.Stat, error) {
	d, s, err := z.c.Get(z.full(path))
	if err != nil {
		return nil, nil, mapErr(err)
	}
	return d, stat(s), nil
}

// GetW is Get that also sets a watch; see coord.Conn.
func (z *Conn) GetW(path string) ([]byte, *coord.Stat, <-chan coord.Event, error) {
	d, s, ch, err := z.c.GetW(z.full(path))
	if err != nil {
		return nil, nil, nil, mapErr(err)
	}
	return d, stat(s), z.watch(ch), nil
}

// Exists reports whether a node exists; see coord.Conn.
func (z *Conn) Exists(path string) (bool, *coord.Stat, error) {
	ok, s, err := z.c.Exists(z.full(path))
	if err != nil || !ok {
		return false, nil, mapErr(err)
	}
	return true, stat(s), nil
}

// ExistsW is Exists that also sets a watch; see coord.Conn.
func (z *Conn) ExistsW(path string) (bool, *coord.Stat, <-chan coord.Event, error) {
	ok, s, ch, err := z.c.ExistsW(z.full(path))
	if err != nil {
		return false, nil, nil, mapErr(err)
	}
	if !ok {
		return false, nil, z.watch(ch), nil
	}
	return true, stat(s), z.watch(ch), nil
}

// Set replaces a node's data if its version matches; see coord.Conn.
func (z *Conn) Set(path string, data []byte, version int32) (*coord.Stat, error) {
	s, err := z.c.Set(z.full(path), data, version)
	if err != nil {
		return nil, mapErr(err)
	}
	return stat(s), nil
}

// Delete removes a childless node if its version matches; see coord.Conn.
func (z *Conn) Delete(path string, version int32) error {
	return mapErr(z.c.Delete(z.full(path), version))
}

// Children returns the sorted names of a node's children; see
// coord.Conn. ZooKeeper returns them unsorted.
func (z *Conn) Children(path string) ([]string, *coord.Stat, error) {
	kids, s, err := z.c.Children(z.full(path))
	if err != nil {
		return nil, nil, mapErr(err)
	}
	slices.Sort(kids)
	return kids, stat(s), nil
}

// ChildrenW is Children that also sets a watch; see coord.Conn.
func (z *Conn) ChildrenW(path string) ([]string, *coord.Stat, <-chan coord.Event, error) {
	kids, s, ch, err := z.c.ChildrenW(z.full(path))
	if err != nil {
		return nil, nil, nil, mapErr(err)
	}
	slices.Sort(kids)
	return kids, stat(s), z.watch(ch), nil
}

// full is the server's path of p: p under the chroot. A path that does
// not start with "/" stays as it is, so that the client rejects it as
// invalid rather than the chroot making it valid.
func (z *Conn) full(p string) string {
	if z.root == "" || !strings.HasPrefix(p, "/") {
		return p
	}
	if p == "/" {
		return z.root
	}
	return z.root + p
}

// unroot is the path under the chroot of the server's path p.
func (z *Conn) unroot(p string) string {
	if z.root == "" {
		return p
	}
	if p == z.root {
		return "/"
	}
	return strings.TrimPrefix(p, z.root)
}

// SessionID identifies the session.
func (z *Conn) SessionID() int64 { return z.c.SessionID() }

// Close ends the session; see coord.Conn.
func (z *Conn) Close() { z.c.Close() }
