package coord

// The linearizability check of tree operations: a recorder of the
// clients' operations and a porcupine model of a znode tree (persistent
// nodes; data, version and children).

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/test/labtest"
	"distlabs/test/tester"
)

// mInput is a recorded operation.
type mInput struct {
	Kind    string // OpCreate, OpGet, OpSet, OpDelete, OpChildren
	Path    string
	Data    string
	Version int32
}

// mOutput is what the operation returned.
type mOutput struct {
	Err     error
	Data    string
	Version int32
	Kids    string // Children: the names, joined with ","
}

// mNode is a node of the model.
type mNode struct {
	Data    string
	Version int32
}

// mState is the model's tree; a step copies it.
type mState map[string]mNode

// kidsOf returns the sorted children names of p in st, joined.
func (st mState) kidsOf(p string) string {
	var kids []string
	for q := range st {
		if q != "/" && q != p {
			if parent, name := splitPath(q); parent == p {
				kids = append(kids, name)
			}
		}
	}
	slices.Sort(kids)
	return strings.Join(kids, ",")
}

// mStep is the model's transition: it reports whether out is what a
// correct service returns for in from st, and the next state.
func mStep(state, input, output any) (bool, any) {
	st, in, out := state.(mState), input.(mInput), output.(mOutput)
	n, ok := st[in.Path]
	switch in.Kind {
	case OpGet:
		if !ok {
			return out.Err == ErrNoNode, st
		}
		return out.Err == nil && out.Data == n.Data && out.Version == n.Version, st
	case OpChildren:
		if !ok {
			return out.Err == ErrNoNode, st
		}
		return out.Err == nil && out.Kids == st.kidsOf(in.Path), st
	case OpCreate:
		parent, _ := splitPath(in.Path)
		switch {
		case ok:
			return out.Err == ErrNodeExists, st
		case !has(st, parent):
			return out.Err == ErrNoNode, st
		}
		if out.Err != nil {
			return false, st
		}
		next := maps.Clone(st)
		next[in.Path] = mNode{Data: in.Data}
		return true, next
	case OpSet:
		switch {
		case !ok:
			return out.Err == ErrNoNode, st
		case in.Version != AnyVersion && in.Version != n.Version:
			return out.Err == ErrBadVersion, st
		}
		if out.Err != nil || out.Version != n.Version+1 {
			return false, st
		}
		next := maps.Clone(st)
		next[in.Path] = mNode{Data: in.Data, Version: n.Version + 1}
		return true, next
	case OpDelete:
		switch {
		case !ok:
			return out.Err == ErrNoNode, st
		case in.Version != AnyVersion && in.Version != n.Version:
			return out.Err == ErrBadVersion, st
		case st.kidsOf(in.Path) != "":
			return out.Err == ErrNotEmpty, st
		}
		if out.Err != nil {
			return false, st
		}
		next := maps.Clone(st)
		delete(next, in.Path)
		return true, next
	}
	return false, st
}

// has reports whether st holds p.
func has(st mState, p string) bool { _, ok := st[p]; return ok }

// treeModel is the porcupine model of the tree.
var treeModel = porcupine.Model{
	Init: func() any { return mState{"/": {}} },
	Step: mStep,
	Equal: func(a, b any) bool {
		return maps.Equal(a.(mState), b.(mState))
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(mInput), output.(mOutput)
		if out.Err != nil {
			return fmt.Sprintf("%s(%s %q v%d) -> %v", in.Kind, in.Path, in.Data, in.Version, out.Err)
		}
		return fmt.Sprintf("%s(%s %q v%d) -> %q v%d [%s]", in.Kind, in.Path, in.Data, in.Version, out.Data, out.Version, out.Kids)
	},
}

// history records the tree operations of the test's clients.
type history struct {
	net *tester.Net

	mu      sync.Mutex
	last    int64
	ops     []porcupine.Operation
	stopped bool
}

// newHistory returns an empty history; net counts the operations for the
// "Passed" line.
func newHistory(net *tester.Net) *history { return &history{net: net} }

// stamp returns the next strictly increasing timestamp; h.mu is held.
// Many events share one virtual instant: the tie-break keeps "A returned,
// then B was called" in order.
func (h *history) stamp() int64 {
	now := time.Now().UnixNano()
	if now <= h.last {
		now = h.last + 1
	}
	h.last = now
	return now
}

// stop ends the recording: later operations are not recorded.
func (h *history) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
}

// do runs one operation of client on ck and records it.
func (h *history) do(ck Conn, client int, in mInput) mOutput {
	h.mu.Lock()
	call := h.stamp()
	h.mu.Unlock()
	var out mOutput
	switch in.Kind {
	case OpCreate:
		_, out.Err = ck.Create(in.Path, []byte(in.Data), 0)
	case OpGet:
		var d []byte
		var st *Stat
		d, st, out.Err = ck.Get(in.Path)
		out.Data = string(d)
		if st != nil {
			out.Version = st.Version
		}
	case OpSet:
		var st *Stat
		st, out.Err = ck.Set(in.Path, []byte(in.Data), in.Version)
		if st != nil {
			out.Version = st.Version
		}
	case OpDelete:
		out.Err = ck.Delete(in.Path, in.Version)
	case OpChildren:
		var kids []string
		kids, _, out.Err = ck.Children(in.Path)
		out.Kids = strings.Join(kids, ",")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || out.Err == ErrClosed || out.Err == ErrSessionExpired {
		// Cut short: whether it took effect is unknown.
		return out
	}
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: h.stamp()})
	h.net.Op()
	return out
}

// check fails t if the history is not linearizable.
func (h *history) check(t *labtest.T) {
	t.Helper()
	h.mu.Lock()
	ops := slices.Clone(h.ops)
	h.mu.Unlock()
	if len(ops) == 0 {
		return
	}
	res, _ := porcupine.CheckOperationsVerbose(treeModel, ops, 30*time.Second)
	if res == porcupine.Illegal {
		for _, o := range ops {
			t.Logf("%d %s", o.ClientId, treeModel.DescribeOperation(o.Input, o.Output))
		}
		t.Fatalf("history of %d tree operations is not linearizable", len(ops))
	}
}

// randomOp returns a random operation on a small tree under /w: a few
// paths two levels deep, so creates race, deletes meet children and
// versions conflict.
func randomOp(r *rand.Rand) mInput {
	paths := []string{"/w/a", "/w/b", "/w/a/x", "/w/a/y", "/w/b/x"}
	p := paths[r.IntN(len(paths))]
	v := fmt.Sprint(r.IntN(1000))
	switch r.IntN(6) {
	case 0:
		return mInput{Kind: OpCreate, Path: p, Data: v}
	case 1:
		return mInput{Kind: OpGet, Path: p}
	case 2:
		return mInput{Kind: OpSet, Path: p, Data: v, Version: AnyVersion}
	case 3:
		return mInput{Kind: OpSet, Path: p, Data: v, Version: int32(r.IntN(3))}
	case 4:
		return mInput{Kind: OpDelete, Path: p, Version: AnyVersion}
	}
	return mInput{Kind: OpChildren, Path: "/w"}
}

// count is the number of recorded operations.
func (h *history) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}
