//solution:file A

package coord

import (
	"fmt"
	"slices"
	"sort"
)

// node is one znode of the replicated tree.
type node struct {
	Data []byte
	Stat Stat
	Kids map[string]bool // names of the children
}

// watch is a registered one-shot watch: the session that set it and the
// Seq of the operation that set it, which names it to the Clerk.
type watch struct {
	Session int64
	ID      int64
}

// tree is the replicated state machine: the znodes, the sessions with
// their event queues and duplicate tables, and the watches. Every replica
// applies the same log to it, so everything here must be decided from the
// log alone: no clocks, no map iteration order.
type tree struct {
	Nodes    map[string]*node
	Sessions map[int64]*session
	// Ended remembers the sessions that are over (ErrSessionExpired or
	// ErrClosed) so that a late request of one is refused, not revived.
	Ended map[int64]Err
	// DataWatches fire on a path's creation, deletion or data change;
	// ChildWatches on a change of its children list or its deletion.
	DataWatches  map[string][]watch
	ChildWatches map[string][]watch
	// Now is the service's clock: the latest time a leader's tick
	// carried. TickTerm is the Raft term of the latest tick.
	Now      int64
	TickTerm int
	// Zxid numbers the applied entries (requests and ticks): a node's
	// Czxid and Mzxid.
	Zxid int64
}

// newTree returns a tree holding only the root.
func newTree() *tree {
	return &tree{
		Nodes:        map[string]*node{"/": {Kids: map[string]bool{}}},
		Sessions:     map[int64]*session{},
		Ended:        map[int64]Err{},
		DataWatches:  map[string][]watch{},
		ChildWatches: map[string][]watch{},
	}
}

// apply executes one logged request, the zxid-th entry, and returns its
// reply. Requests of a session are applied once: a retry of the latest
// one gets the reply the first copy got.
func (t *tree) apply(zxid int64, a OpArgs) OpReply {
	t.Zxid = zxid
	switch a.Kind {
	case OpOpen:
		return t.open(a)
	case OpClose:
		t.end(a.Session, errClosed)
		return OpReply{Err: OK}
	}
	s, ok := t.Sessions[a.Session]
	if !ok {
		if e, over := t.Ended[a.Session]; over {
			return OpReply{Err: e}
		}
		return OpReply{Err: errSessionExpired}
	}
	s.LastSeen = t.Now
	if a.Kind == OpPoll {
		return s.poll(a.Acked)
	}
	//solution:begin C
	if a.Seq <= s.Seq {
		// A retry of a request already applied: the Clerk issues one
		// request at a time, so only the latest can still be waited for.
		return s.Reply
	}
	//solution:end
	r := t.execute(a)
	//solution:begin C
	s.Seq, s.Reply = a.Seq, r
	//solution:end
	return r
}

// execute applies a tree operation of a live session.
func (t *tree) execute(a OpArgs) OpReply {
	if !validPath(a.Path) {
		return OpReply{Err: errInvalidPath}
	}
	switch a.Kind {
	case OpCreate:
		return t.create(a)
	case OpGet:
		n, ok := t.Nodes[a.Path]
		if !ok {
			return OpReply{Err: errNoNode}
		}
		//solution:begin B
		if a.Watch {
			t.DataWatches[a.Path] = append(t.DataWatches[a.Path], watch{a.Session, a.Seq})
		}
		//solution:end
		return OpReply{Err: OK, Data: n.Data, Stat: n.Stat}
	case OpExists:
		//solution:begin B
		if a.Watch {
			t.DataWatches[a.Path] = append(t.DataWatches[a.Path], watch{a.Session, a.Seq})
		}
		//solution:end
		n, ok := t.Nodes[a.Path]
		if !ok {
			return OpReply{Err: OK}
		}
		return OpReply{Err: OK, Exists: true, Stat: n.Stat}
	case OpSet:
		n, ok := t.Nodes[a.Path]
		if !ok {
			return OpReply{Err: errNoNode}
		}
		if a.Version != AnyVersion && a.Version != n.Stat.Version {
			return OpReply{Err: errBadVersion}
		}
		n.Data = a.Data
		n.Stat.Version++
		n.Stat.Mzxid = t.Zxid
		n.Stat.DataLength = int32(len(a.Data))
		t.fire(t.DataWatches, a.Path, EventNodeDataChanged)
		return OpReply{Err: OK, Stat: n.Stat}
	case OpDelete:
		n, ok := t.Nodes[a.Path]
		if !ok || a.Path == "/" {
			return OpReply{Err: errNoNode}
		}
		if a.Version != AnyVersion && a.Version != n.Stat.Version {
			return OpReply{Err: errBadVersion}
		}
		if len(n.Kids) > 0 {
			return OpReply{Err: errNotEmpty}
		}
		t.remove(a.Path)
		return OpReply{Err: OK}
	case OpChildren:
		n, ok := t.Nodes[a.Path]
		if !ok {
			return OpReply{Err: errNoNode}
		}
		//solution:begin B
		if a.Watch {
			t.ChildWatches[a.Path] = append(t.ChildWatches[a.Path], watch{a.Session, a.Seq})
		}
		//solution:end
		kids := make([]string, 0, len(n.Kids))
		for k := range n.Kids {
			kids = append(kids, k)
		}
		sort.Strings(kids)
		return OpReply{Err: OK, Children: kids, Stat: n.Stat}
	}
	return OpReply{Err: Err("bad op " + a.Kind)}
}

// create makes a node, checking in ZooKeeper's order: the parent exists,
// the node does not, the parent is not ephemeral.
func (t *tree) create(a OpArgs) OpReply {
	if a.Path == "/" {
		return OpReply{Err: errNodeExists}
	}
	parent, name := splitPath(a.Path)
	pn, ok := t.Nodes[parent]
	if !ok {
		return OpReply{Err: errNoNode}
	}
	path := a.Path
	//solution:begin B
	if a.Flags&Sequential != 0 {
		// ZooKeeper's counter is the parent's Cversion, which grows with
		// every change of its children: unique and increasing.
		name = fmt.Sprintf("%s%010d", name, pn.Stat.Cversion)
		path = join(parent, name)
	}
	//solution:end
	if _, exists := t.Nodes[path]; exists {
		return OpReply{Err: errNodeExists}
	}
	if pn.Stat.EphemeralOwner != 0 {
		return OpReply{Err: errNoChildren}
	}
	n := &node{Data: a.Data, Kids: map[string]bool{}}
	n.Stat = Stat{Czxid: t.Zxid, Mzxid: t.Zxid, DataLength: int32(len(a.Data))}
	//solution:begin B
	if a.Flags&Ephemeral != 0 {
		n.Stat.EphemeralOwner = a.Session
		t.Sessions[a.Session].Ephemerals[path] = true
	}
	//solution:end
	t.Nodes[path] = n
	pn.Kids[name] = true
	pn.Stat.Cversion++
	pn.Stat.NumChildren++
	t.fire(t.DataWatches, path, EventNodeCreated)
	t.fire(t.ChildWatches, parent, EventNodeChildrenChanged)
	return OpReply{Err: OK, Path: path}
}

// remove deletes a childless node and fires the watches on it and on
// its parent's children.
func (t *tree) remove(path string) {
	n := t.Nodes[path]
	if owner := n.Stat.EphemeralOwner; owner != 0 {
		if s, ok := t.Sessions[owner]; ok {
			delete(s.Ephemerals, path)
		}
	}
	delete(t.Nodes, path)
	parent, name := splitPath(path)
	pn := t.Nodes[parent]
	delete(pn.Kids, name)
	pn.Stat.Cversion++
	pn.Stat.NumChildren--
	t.fire(t.DataWatches, path, EventNodeDeleted)
	t.fire(t.ChildWatches, path, EventNodeDeleted)
	t.fire(t.ChildWatches, parent, EventNodeChildrenChanged)
}

// fire triggers, once, every watch in ws on path: each becomes an event
// in its session's queue, in the order the watches were set.
func (t *tree) fire(ws map[string][]watch, path string, typ EventType) {
	//solution:begin B
	for _, w := range ws[path] {
		if s, ok := t.Sessions[w.Session]; ok {
			s.push(w.ID, typ, path)
		}
	}
	delete(ws, path)
	//solution:end
}

// end closes or expires a session: its ephemeral nodes are deleted (in
// path order, so every replica fires the same events in the same order)
// and its watches dropped. The Clerk fires its own pending watches with
// EventNotWatching when it learns the session is over.
func (t *tree) end(id int64, why Err) {
	if _, ok := t.Sessions[id]; !ok {
		return
	}
	//solution:begin B
	s := t.Sessions[id]
	eph := make([]string, 0, len(s.Ephemerals))
	for p := range s.Ephemerals {
		eph = append(eph, p)
	}
	sort.Strings(eph)
	for _, p := range eph {
		t.remove(p)
	}
	//solution:end
	delete(t.Sessions, id)
	t.Ended[id] = why
	//solution:begin B
	for _, ws := range []map[string][]watch{t.DataWatches, t.ChildWatches} {
		for p, list := range ws {
			list = slices.DeleteFunc(list, func(w watch) bool { return w.Session == id })
			if len(list) == 0 {
				delete(ws, p)
			} else {
				ws[p] = list
			}
		}
	}
	//solution:end
}
