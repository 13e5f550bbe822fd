package puddlestore

// An in-memory coordination service with ZooKeeper's semantics, for the
// harness: every session is a Conn on one shared tree, so operations are
// linearizable by construction (one mutex), and a test ends a session by
// expiry as a crashed client's would end.

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"distlabs/coord"
)

type memCoord struct {
	mu       sync.Mutex
	nodes    map[string]*memNode
	zxid     int64
	sessions int64
	conns    map[int64]*memConn
	watches  map[string][]*memWatch // by path: data and existence watches
	childW   map[string][]*memWatch // by path: children watches
}

type memNode struct {
	data     []byte
	stat     coord.Stat
	seq      int64
	children map[string]bool
}

type memWatch struct {
	ch    chan coord.Event
	owner int64
}

type memConn struct {
	s   *memCoord
	id  int64
	end error // ErrClosed or ErrSessionExpired once ended
}

func newMemCoord() *memCoord {
	return &memCoord{
		nodes:   map[string]*memNode{"/": {children: map[string]bool{}}},
		conns:   map[int64]*memConn{},
		watches: map[string][]*memWatch{},
		childW:  map[string][]*memWatch{},
	}
}

// connect opens a session.
func (s *memCoord) connect() (coord.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions++
	c := &memConn{s: s, id: s.sessions}
	s.conns[c.id] = c
	return c, nil
}

// expire ends session id as the service does when its client stops
// heartbeating.
func (s *memCoord) expire(id int64) {
	s.endSession(id, coord.ErrSessionExpired)
}

// endSession deletes the session's ephemeral nodes and ends its watches.
func (s *memCoord) endSession(id int64, why error) {
	s.mu.Lock()
	c, ok := s.conns[id]
	if !ok || c.end != nil {
		s.mu.Unlock()
		return
	}
	c.end = why
	var fire []fired
	var eph []string
	for p, n := range s.nodes {
		if n.stat.EphemeralOwner == id {
			eph = append(eph, p)
		}
	}
	sort.Strings(eph)
	for _, p := range eph {
		fire = append(fire, s.deleteLocked(p)...)
	}
	for _, m := range []map[string][]*memWatch{s.watches, s.childW} {
		for p, ws := range m {
			keep := ws[:0]
			for _, w := range ws {
				if w.owner == id {
					fire = append(fire, fired{w, coord.Event{Type: coord.EventNotWatching, Path: p, Err: why}})
				} else {
					keep = append(keep, w)
				}
			}
			m[p] = keep
		}
	}
	s.mu.Unlock()
	deliver(fire)
}

type fired struct {
	w *memWatch
	e coord.Event
}

// deliver sends events after the lock is released; each channel has room
// for its one event.
func deliver(fs []fired) {
	for _, f := range fs {
		f.w.ch <- f.e
	}
}

func (s *memCoord) takeLocked(m map[string][]*memWatch, p string, t coord.EventType) []fired {
	var out []fired
	for _, w := range m[p] {
		out = append(out, fired{w, coord.Event{Type: t, Path: p}})
	}
	delete(m, p)
	return out
}

func (s *memCoord) deleteLocked(p string) []fired {
	delete(s.nodes, p)
	par := s.nodes[path.Dir(p)]
	delete(par.children, path.Base(p))
	par.stat.Cversion++
	par.stat.NumChildren = int32(len(par.children))
	fire := s.takeLocked(s.watches, p, coord.EventNodeDeleted)
	fire = append(fire, s.takeLocked(s.childW, p, coord.EventNodeDeleted)...)
	return append(fire, s.takeLocked(s.childW, path.Dir(p), coord.EventNodeChildrenChanged)...)
}

func validPath(p string) error {
	if p == "/" {
		return nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return fmt.Errorf("%w: %q", coord.ErrInvalidPath, p)
	}
	for _, c := range strings.Split(p[1:], "/") {
		if c == "" || c == "." || c == ".." {
			return fmt.Errorf("%w: %q", coord.ErrInvalidPath, p)
		}
	}
	return nil
}

// begin locks the service for an operation of c on p.
func (c *memConn) begin(p string) error {
	if err := validPath(p); err != nil {
		return err
	}
	c.s.mu.Lock()
	if c.end != nil {
		err := c.end
		c.s.mu.Unlock()
		return err
	}
	return nil
}

func (c *memConn) Create(p string, data []byte, flags int32) (string, error) {
	if err := c.begin(p); err != nil {
		return "", err
	}
	s := c.s
	par, ok := s.nodes[path.Dir(p)]
	if p == "/" || !ok {
		s.mu.Unlock()
		if p == "/" {
			return "", coord.ErrNodeExists
		}
		return "", coord.ErrNoNode
	}
	if par.stat.EphemeralOwner != 0 {
		s.mu.Unlock()
		return "", coord.ErrNoChildren
	}
	if flags&coord.Sequential != 0 {
		p = fmt.Sprintf("%s%010d", p, par.seq)
		par.seq++
	}
	if _, ok := s.nodes[p]; ok {
		s.mu.Unlock()
		return "", coord.ErrNodeExists
	}
	s.zxid++
	n := &memNode{data: append([]byte(nil), data...), children: map[string]bool{}}
	n.stat = coord.Stat{Czxid: s.zxid, Mzxid: s.zxid, DataLength: int32(len(data))}
	if flags&coord.Ephemeral != 0 {
		n.stat.EphemeralOwner = c.id
	}
	s.nodes[p] = n
	par.children[path.Base(p)] = true
	par.stat.Cversion++
	par.stat.NumChildren = int32(len(par.children))
	fire := s.takeLocked(s.watches, p, coord.EventNodeCreated)
	fire = append(fire, s.takeLocked(s.childW, path.Dir(p), coord.EventNodeChildrenChanged)...)
	s.mu.Unlock()
	deliver(fire)
	return p, nil
}

// lookup runs read on node p under the lock, and adds a watch to m (if
// not nil) for the event that the node's next change delivers.
func (c *memConn) lookup(p string, m map[string][]*memWatch, read func(n *memNode)) (<-chan coord.Event, error) {
	if err := c.begin(p); err != nil {
		return nil, err
	}
	defer c.s.mu.Unlock()
	n, ok := c.s.nodes[p]
	if !ok {
		return nil, coord.ErrNoNode
	}
	read(n)
	var ch chan coord.Event
	if m != nil {
		ch = make(chan coord.Event, 1)
		m[p] = append(m[p], &memWatch{ch: ch, owner: c.id})
	}
	return ch, nil
}

func (c *memConn) get(p string, m map[string][]*memWatch) ([]byte, *coord.Stat, <-chan coord.Event, error) {
	var data []byte
	var st coord.Stat
	ch, err := c.lookup(p, m, func(n *memNode) {
		data, st = append([]byte(nil), n.data...), n.stat
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return data, &st, ch, nil
}

func (c *memConn) Get(p string) ([]byte, *coord.Stat, error) {
	d, st, _, err := c.get(p, nil)
	return d, st, err
}

func (c *memConn) GetW(p string) ([]byte, *coord.Stat, <-chan coord.Event, error) {
	return c.get(p, c.s.watches)
}

func (c *memConn) Exists(p string) (bool, *coord.Stat, error) {
	_, st, err := c.Get(p)
	if err == coord.ErrNoNode {
		return false, nil, nil
	}
	return err == nil, st, err
}

func (c *memConn) ExistsW(p string) (bool, *coord.Stat, <-chan coord.Event, error) {
	if err := c.begin(p); err != nil {
		return false, nil, nil, err
	}
	defer c.s.mu.Unlock()
	ch := make(chan coord.Event, 1)
	c.s.watches[p] = append(c.s.watches[p], &memWatch{ch: ch, owner: c.id})
	n, ok := c.s.nodes[p]
	if !ok {
		return false, nil, ch, nil
	}
	st := n.stat
	return true, &st, ch, nil
}

func (c *memConn) Set(p string, data []byte, version int32) (*coord.Stat, error) {
	if err := c.begin(p); err != nil {
		return nil, err
	}
	s := c.s
	n, ok := s.nodes[p]
	switch {
	case !ok:
		s.mu.Unlock()
		return nil, coord.ErrNoNode
	case version != coord.AnyVersion && version != n.stat.Version:
		s.mu.Unlock()
		return nil, coord.ErrBadVersion
	}
	s.zxid++
	n.data = append([]byte(nil), data...)
	n.stat.Version++
	n.stat.Mzxid = s.zxid
	n.stat.DataLength = int32(len(data))
	st := n.stat
	fire := s.takeLocked(s.watches, p, coord.EventNodeDataChanged)
	s.mu.Unlock()
	deliver(fire)
	return &st, nil
}

func (c *memConn) Delete(p string, version int32) error {
	if err := c.begin(p); err != nil {
		return err
	}
	s := c.s
	n, ok := s.nodes[p]
	switch {
	case p == "/":
		s.mu.Unlock()
		return coord.ErrInvalidPath
	case !ok:
		s.mu.Unlock()
		return coord.ErrNoNode
	case version != coord.AnyVersion && version != n.stat.Version:
		s.mu.Unlock()
		return coord.ErrBadVersion
	case len(n.children) > 0:
		s.mu.Unlock()
		return coord.ErrNotEmpty
	}
	s.zxid++
	fire := s.deleteLocked(p)
	s.mu.Unlock()
	deliver(fire)
	return nil
}

func (c *memConn) children(p string, m map[string][]*memWatch) ([]string, *coord.Stat, <-chan coord.Event, error) {
	var names []string
	var st coord.Stat
	ch, err := c.lookup(p, m, func(n *memNode) {
		for k := range n.children {
			names = append(names, k)
		}
		sort.Strings(names)
		st = n.stat
	})
	if err != nil {
		return nil, nil, nil, err
	}
	return names, &st, ch, nil
}

func (c *memConn) Children(p string) ([]string, *coord.Stat, error) {
	names, st, _, err := c.children(p, nil)
	return names, st, err
}

func (c *memConn) ChildrenW(p string) ([]string, *coord.Stat, <-chan coord.Event, error) {
	return c.children(p, c.s.childW)
}

func (c *memConn) SessionID() int64 { return c.id }

func (c *memConn) Close() { c.s.endSession(c.id, coord.ErrClosed) }
