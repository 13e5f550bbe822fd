package puddlestore

// The linearizability check of the namespace: a porcupine model of a
// file system (directories, files with whole contents) and the clients'
// operations, recorded with test/linearize.

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"distlabs/test/labtest"
	"distlabs/test/linearize"
)

// The operations of the model.
const (
	opMkdir  = "mkdir"  // Mkdir
	opCreate = "create" // Open with create (read-only), then Close
	opRemove = "remove" // Remove
	opList   = "list"   // List
	opPut    = "put"    // Open for write, Write the whole contents, Close
	opGet    = "get"    // Open, Read the whole file, Close
)

// fsInput is a recorded operation.
type fsInput struct {
	Op   string
	Path string
	Data string // opPut: the new contents
}

// fsOutput is what it returned: the classes its error may stand for
// (joined with "|"; "" for none, see errClass), and the names (opList,
// joined with ",") or the contents (opGet).
type fsOutput struct {
	Err  string
	Data string
}

// failedWith reports whether the operation failed with an error of class,
// or succeeded when class is "". An error may stand for more than one
// class: course code that says "parent is not a directory" for a missing
// parent too is right about either.
func (out fsOutput) failedWith(class string) bool {
	if class == "" || out.Err == "" {
		return out.Err == class
	}
	return slices.Contains(strings.Split(out.Err, "|"), class)
}

// fsEntry is a file or directory of the model.
type fsEntry struct {
	Dir  bool
	Data string
}

// fsState is the model's file system by path; "/" is always a directory.
// A step copies it.
type fsState map[string]fsEntry

// names returns the sorted names in directory p, joined with ",".
func (st fsState) names(p string) string {
	var kids []string
	for q := range st {
		if q != "/" && path.Dir(q) == p {
			kids = append(kids, path.Base(q))
		}
	}
	slices.Sort(kids)
	return strings.Join(kids, ",")
}

// parentErr is the error class an operation that creates p gets from its
// parent: "" when the parent is a directory.
func (st fsState) parentErr(p string) string {
	dir, ok := st[path.Dir(p)]
	switch {
	case !ok:
		return "notfound"
	case !dir.Dir:
		return "notdir"
	}
	return ""
}

// fsStep is the model's transition: it reports whether out is what a
// correct file system returns for in from st, and the next state.
func fsStep(state, input, output any) (bool, any) {
	st, in, out := state.(fsState), input.(fsInput), output.(fsOutput)
	e, ok := st[in.Path]
	want := func(class string) (bool, any) { return out.failedWith(class), st }
	switch in.Op {
	case opMkdir, opCreate:
		switch {
		case ok && in.Op == opMkdir:
			return want("exists")
		case ok && e.Dir:
			return want("isdir")
		case ok:
			return want("")
		case st.parentErr(in.Path) != "":
			return want(st.parentErr(in.Path))
		}
		if out.Err != "" {
			return false, st
		}
		next := maps.Clone(st)
		next[in.Path] = fsEntry{Dir: in.Op == opMkdir}
		return true, next
	case opRemove:
		switch {
		case !ok:
			return want("notfound")
		case e.Dir && st.names(in.Path) != "":
			return want("notempty")
		}
		if out.Err != "" {
			return false, st
		}
		next := maps.Clone(st)
		delete(next, in.Path)
		return true, next
	case opList:
		switch {
		case !ok:
			return want("notfound")
		case !e.Dir:
			return out.Err == "" && out.Data == path.Base(in.Path), st
		}
		return out.Err == "" && out.Data == st.names(in.Path), st
	case opGet, opPut:
		switch {
		case !ok:
			return want("notfound")
		case e.Dir:
			return want("isdir")
		case out.Err != "":
			return false, st
		case in.Op == opGet:
			return out.Data == e.Data, st
		}
		next := maps.Clone(st)
		next[in.Path] = fsEntry{Data: in.Data}
		return true, next
	}
	return false, st
}

// fsModel is the porcupine model of the file system.
var fsModel = porcupine.Model{
	Init: func() any { return fsState{"/": {Dir: true}} },
	Step: fsStep,
	Equal: func(a, b any) bool {
		return maps.Equal(a.(fsState), b.(fsState))
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(fsInput), output.(fsOutput)
		res := out.Err
		if res == "" {
			res = fmt.Sprintf("ok %q", out.Data)
		}
		if in.Op == opPut {
			return fmt.Sprintf("put %s %q -> %s", in.Path, in.Data, res)
		}
		return fmt.Sprintf("%s %s -> %s", in.Op, in.Path, res)
	},
}

// errClass names the outcomes err stands for in the model, joined with
// "|" ("" for none), or fails the test: the file system's own errors are
// the only ones an operation may return while a majority of the
// coordination servers is up. The kit's isErr places an error, so that
// course code's own spellings count (an error it cannot place fails).
func errClass(t *labtest.T, what string, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var classes []string
	for _, c := range []struct {
		err   error
		class string
	}{
		{ErrExists, "exists"}, {ErrNotFound, "notfound"}, {ErrNotDir, "notdir"},
		{ErrIsDir, "isdir"}, {ErrNotEmpty, "notempty"},
	} {
		if isErr(err, c.err) {
			classes = append(classes, c.class)
		}
	}
	if len(classes) == 0 {
		t.Errorf("%s: unexpected error: %v", what, err)
		return "unexpected"
	}
	return strings.Join(classes, "|")
}

// fsDo runs in on cl and returns what the model compares.
func fsDo(t *labtest.T, cl Client, in fsInput) fsOutput {
	var out fsOutput
	var err error
	switch in.Op {
	case opMkdir:
		err = cl.Mkdir(in.Path)
	case opCreate:
		var fd int
		if fd, err = cl.Open(in.Path, true, false); err == nil {
			err = cl.Close(fd)
		}
	case opRemove:
		err = cl.Remove(in.Path)
	case opList:
		var names []string
		names, err = cl.List(in.Path)
		out.Data = strings.Join(names, ",")
	case opPut:
		var fd int
		if fd, err = cl.Open(in.Path, false, true); err == nil {
			if err = cl.Write(fd, 0, []byte(in.Data)); err == nil {
				err = cl.Close(fd)
			} else {
				err = errors.Join(err, cl.Close(fd))
			}
		}
	case opGet:
		var fd int
		if fd, err = cl.Open(in.Path, false, false); err == nil {
			var data []byte
			data, err = cl.Read(fd, 0, 1<<20)
			out.Data = string(data)
			err = errors.Join(err, cl.Close(fd))
		}
	}
	out.Err = errClass(t, fmt.Sprintf("%s %s", in.Op, in.Path), err)
	return out
}

// fsPaths are the paths the random operations use: few, two levels deep,
// so that creations race, removals meet entries, and a path is a file at
// one moment and a directory at another.
var fsPaths = []string{"/a", "/b", "/a/x", "/a/y", "/b/x"}

// randomFsOp returns a random operation; put writes contents of one
// length, putLen, so that every version replaces the whole file.
func randomFsOp(r *rand.Rand, client, n int) fsInput {
	p := fsPaths[r.IntN(len(fsPaths))]
	switch k := r.IntN(20); {
	case k < 4:
		return fsInput{Op: opMkdir, Path: p}
	case k < 8:
		return fsInput{Op: opCreate, Path: p}
	case k < 12:
		return fsInput{Op: opRemove, Path: p}
	case k < 15:
		return fsInput{Op: opList, Path: path.Dir(p)}
	case k < 17:
		return fsInput{Op: opPut, Path: p, Data: fmt.Sprintf("%-*s", putLen, fmt.Sprintf("c%d.%d", client, n))}
	}
	return fsInput{Op: opGet, Path: p}
}

// putLen is the length of every put's contents: two blocks of
// smallConfig, the second one partial.
const putLen = 24

// fsHistory records the operations of the test's clients.
type fsHistory struct {
	t   *labtest.T
	r   *rig
	rec *linearize.Recorder
}

// do runs in as client and records it.
func (h *fsHistory) do(cl Client, client int, in fsInput) {
	op := h.rec.StartOp(client, in)
	op.EndOp(fsDo(h.t, cl, in))
	h.r.net.Op()
}

// check fails the test if the history is not linearizable.
func (h *fsHistory) check() {
	h.t.Helper()
	linearize.CheckModel(h.t, fsModel, h.rec.Operations(), 30*time.Second)
}
