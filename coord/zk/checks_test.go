package zk_test

// The conformance checks: one set of ZooKeeper rules that both coord.Conn
// implementations must keep, the coord lab's service on Raft and real
// ZooKeeper through this package. Each check works under a root of its
// own, so that runs against a long-lived ZooKeeper server do not meet.

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"distlabs/coord"
	"distlabs/coord/zk"
)

// eventWait bounds the wait for a watch event: generous for a real
// server, instant in virtual time.
const eventWait = 10 * time.Second

// check is one conformance check: open opens a fresh session, root is an
// existing persistent node the check may use.
type check struct {
	name string
	run  func(t testing.TB, open func() coord.Conn, root string)
}

// checks are every conformance check, in order.
var checks = []check{
	{"CRUD", checkCRUD},
	{"Ephemeral", checkEphemeral},
	{"Sequential", checkSequential},
	{"Watches", checkWatches},
	{"CloseEndsWatches", checkCloseEndsWatches},
}

// runChecks runs every check, each under a fresh child of base.
func runChecks(t testing.TB, open func() coord.Conn, base string) {
	setup := open()
	defer setup.Close()
	for _, c := range checks {
		root := base + "-" + c.name
		if _, err := setup.Create(root, nil, 0); err != nil {
			t.Fatalf("%s: create %s: %v", c.name, root, err)
		}
		c.run(t, open, root)
		removeAll(t, setup, root)
	}
}

// removeAll deletes the tree under p and p.
func removeAll(t testing.TB, c coord.Conn, p string) {
	if err := zk.RemoveAll(c, p); err != nil {
		t.Fatalf("cleanup: %v", err)
	}
}

// is fails t unless err is want (nil for success).
func is(t testing.TB, what string, err, want error) {
	t.Helper()
	if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

// next waits for a watch's event.
func next(t testing.TB, ch <-chan coord.Event, what string) coord.Event {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(eventWait):
		t.Fatalf("%s: no event within %v", what, eventWait)
	}
	return coord.Event{}
}

// checkCRUD: create, get, set, delete, exists and children, their
// errors and the versions in Stat (ZooKeeper Programmer's Guide, "ZNodes"
// and "ZooKeeper Stat Structure").
func checkCRUD(t testing.TB, open func() coord.Conn, root string) {
	c := open()
	defer c.Close()
	a := root + "/a"
	p, err := c.Create(a, []byte("1"), 0)
	is(t, "create", err, nil)
	if p != a {
		t.Fatalf("create %s returned %s", a, p)
	}
	_, err = c.Create(a, nil, 0)
	is(t, "create twice", err, coord.ErrNodeExists)
	_, err = c.Create(root+"/none/b", nil, 0)
	is(t, "create without parent", err, coord.ErrNoNode)
	for _, bad := range []string{"", "x", root + "/", root + "//x", root + "/./x", root + "/../x"} {
		_, err = c.Create(bad, nil, 0)
		is(t, fmt.Sprintf("create %q", bad), err, coord.ErrInvalidPath)
	}
	d, st, err := c.Get(a)
	is(t, "get", err, nil)
	if string(d) != "1" || st.Version != 0 || st.DataLength != 1 || st.EphemeralOwner != 0 {
		t.Fatalf("get %s = %q %+v", a, d, *st)
	}
	st2, err := c.Set(a, []byte("22"), 0)
	is(t, "set", err, nil)
	if st2.Version != 1 || st2.Czxid != st.Czxid || st2.Mzxid <= st.Mzxid || st2.DataLength != 2 {
		t.Fatalf("stat after set = %+v, before %+v", *st2, *st)
	}
	_, err = c.Set(a, nil, 0)
	is(t, "set at a stale version", err, coord.ErrBadVersion)
	_, err = c.Set(root+"/none", nil, coord.AnyVersion)
	is(t, "set a missing node", err, coord.ErrNoNode)
	for _, k := range []string{"z", "m", "b"} {
		_, err = c.Create(a+"/"+k, nil, 0)
		is(t, "create child", err, nil)
	}
	kids, pst, err := c.Children(a)
	is(t, "children", err, nil)
	if !slices.Equal(kids, []string{"b", "m", "z"}) || pst.NumChildren != 3 || pst.Cversion != 3 {
		t.Fatalf("children of %s = %v, stat %+v", a, kids, *pst)
	}
	is(t, "delete with children", c.Delete(a, coord.AnyVersion), coord.ErrNotEmpty)
	is(t, "delete at a wrong version", c.Delete(a+"/b", 3), coord.ErrBadVersion)
	is(t, "delete", c.Delete(a+"/b", 0), nil)
	is(t, "delete twice", c.Delete(a+"/b", coord.AnyVersion), coord.ErrNoNode)
	ok, est, err := c.Exists(a + "/b")
	is(t, "exists", err, nil)
	if ok || est != nil {
		t.Fatalf("exists of a deleted node = %v, %v", ok, est)
	}
	ok, est, err = c.Exists(a + "/m")
	is(t, "exists", err, nil)
	if !ok || est == nil {
		t.Fatalf("exists of a node = %v, %v", ok, est)
	}
	_, _, err = c.Children(root + "/none")
	is(t, "children of a missing node", err, coord.ErrNoNode)
}

// checkEphemeral: an ephemeral node names its session, has no children
// and goes with its session ("Ephemeral Nodes").
func checkEphemeral(t testing.TB, open func() coord.Conn, root string) {
	owner, other := open(), open()
	defer other.Close()
	e := root + "/e"
	_, err := owner.Create(e, []byte("x"), coord.Ephemeral)
	is(t, "create ephemeral", err, nil)
	_, st, err := other.Get(e)
	is(t, "get ephemeral", err, nil)
	if st.EphemeralOwner != owner.SessionID() || owner.SessionID() == other.SessionID() || owner.SessionID() == 0 {
		t.Fatalf("EphemeralOwner %d, owner session %d, other session %d", st.EphemeralOwner, owner.SessionID(), other.SessionID())
	}
	_, err = owner.Create(e+"/kid", nil, 0)
	is(t, "create under ephemeral", err, coord.ErrNoChildren)
	_, _, gone, err := other.ExistsW(e)
	is(t, "exists watch", err, nil)
	owner.Close()
	if ev := next(t, gone, "watch on the closed session's node"); ev.Type != coord.EventNodeDeleted || ev.Path != e {
		t.Fatalf("watch fired %+v, want NodeDeleted %s", ev, e)
	}
	_, err = owner.Create(root+"/after", nil, 0)
	is(t, "create after close", err, coord.ErrClosed)
}

// checkSequential: sequential nodes get a ten-digit, increasing suffix
// ("Sequence Nodes -- Unique Naming").
func checkSequential(t testing.TB, open func() coord.Conn, root string) {
	c := open()
	defer c.Close()
	var last string
	for i := range 3 {
		p, err := c.Create(root+"/s-", nil, coord.Sequential)
		is(t, "create sequential", err, nil)
		if want := fmt.Sprintf("%s/s-%010d", root, i); p != want {
			t.Fatalf("sequential create %d = %s, want %s", i, p, want)
		}
		if p <= last {
			t.Fatalf("sequential %s not after %s", p, last)
		}
		last = p
	}
}

// checkWatches: each kind of watch fires once with its event ("ZooKeeper
// Watches").
func checkWatches(t testing.TB, open func() coord.Conn, root string) {
	w, c := open(), open()
	defer w.Close()
	defer c.Close()
	x := root + "/x"
	ok, _, created, err := w.ExistsW(x)
	is(t, "exists watch", err, nil)
	if ok {
		t.Fatalf("exists of a missing node = true")
	}
	_, _, kids, err := w.ChildrenW(root)
	is(t, "children watch", err, nil)
	_, err = c.Create(x, nil, 0)
	is(t, "create", err, nil)
	if ev := next(t, created, "exists watch"); ev.Type != coord.EventNodeCreated || ev.Path != x {
		t.Fatalf("exists watch fired %+v", ev)
	}
	if ev := next(t, kids, "children watch"); ev.Type != coord.EventNodeChildrenChanged || ev.Path != root {
		t.Fatalf("children watch fired %+v", ev)
	}
	_, _, changed, err := w.GetW(x)
	is(t, "get watch", err, nil)
	_, err = c.Set(x, []byte("1"), coord.AnyVersion)
	is(t, "set", err, nil)
	if ev := next(t, changed, "get watch"); ev.Type != coord.EventNodeDataChanged || ev.Path != x {
		t.Fatalf("get watch fired %+v", ev)
	}
	_, _, deleted, err := w.GetW(x)
	is(t, "get watch", err, nil)
	is(t, "delete", c.Delete(x, coord.AnyVersion), nil)
	if ev := next(t, deleted, "get watch"); ev.Type != coord.EventNodeDeleted || ev.Path != x {
		t.Fatalf("get watch fired %+v on delete", ev)
	}
	_, _, _, err = w.GetW(x)
	is(t, "get watch on a missing node", err, coord.ErrNoNode)
}

// checkCloseEndsWatches: closing a session fires its pending watches
// with EventNotWatching.
func checkCloseEndsWatches(t testing.TB, open func() coord.Conn, root string) {
	w := open()
	_, _, ch, err := w.ExistsW(root + "/never")
	is(t, "exists watch", err, nil)
	w.Close()
	if ev := next(t, ch, "watch after close"); ev.Type != coord.EventNotWatching || !errors.Is(ev.Err, coord.ErrClosed) {
		t.Fatalf("watch fired %+v on close, want NotWatching with ErrClosed", ev)
	}
}
