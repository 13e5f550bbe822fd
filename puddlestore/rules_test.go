package puddlestore

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// A directory cannot be removed and re-created as a file between a
// Mkdir's (or a create's) check that it is a directory and the Create of
// the new entry (spec: "directory operations are linearizable"). The
// test holds the Create of the entry at a gate, replaces the directory
// by a file from another client meanwhile (or tries to), and then lets
// the Create go: either the entry was made in the directory, which then
// cannot be removed, or the directory was replaced first and the entry
// is refused. An entry under a file is neither.
func TestParentReplacedF(t *testing.T) {
	run(t, "Test (F): a directory replaced by a file during Mkdir and create", smallConfig(), func(t *labtest.T, r *rig) {
		a, b := r.client(), r.client()
		for _, c := range []struct {
			what  string
			dir   string
			entry func(p string) error
		}{
			{"mkdir", "/d", a.Mkdir},
			{"create", "/e", func(p string) error {
				fd, err := a.Open(p, true, false)
				if err != nil {
					return err
				}
				return a.Close(fd)
			}},
		} {
			if err := a.Mkdir(c.dir); err != nil {
				t.Fatalf("mkdir %s: %v", c.dir, err)
			}
			p := c.dir + "/x"
			reached, open := r.holdCreate(p)
			var entryErr error
			entered := make(chan struct{})
			go func() {
				defer close(entered)
				entryErr = c.entry(p)
			}()
			select {
			case <-reached:
			case <-entered:
				t.Fatalf("%s %s returned (%v) without creating its node", c.what, p, entryErr)
			case <-time.After(30 * time.Second):
				t.Fatalf("%s %s did not create its node within 30 s", c.what, p)
			}
			t.Step(fmt.Sprintf("%s %s waits at its Create; another client removes %s and creates it as a file", c.what, p, c.dir))
			var rmErr, crErr error
			_, replaced := returnsWithin(5*time.Second, func() {
				if rmErr = b.Remove(c.dir); rmErr == nil {
					crErr = createFile(b, c.dir)
				}
			})
			open()
			<-entered
			<-replaced
			if crErr != nil {
				t.Fatalf("create %s after removing it: %v", c.dir, crErr)
			}
			if rmErr != nil {
				// The removal came second and found the entry.
				names, err := b.List(c.dir)
				switch {
				case err != nil:
					t.Fatalf("list %s: %v", c.dir, err)
				case entryErr != nil || !slices.Equal(names, []string{"x"}):
					t.Fatalf("%s %s: %v, and %s lists %q: want the entry, since the removal of %s failed (%v)", c.what, p, entryErr, c.dir, names, c.dir, rmErr)
				case !isErr(rmErr, ErrNotEmpty):
					t.Fatalf("%s %s succeeded, but the removal of %s says %v, want ErrNotEmpty", c.what, p, c.dir, rmErr)
				}
			} else if entryErr != nil && !isErr(entryErr, ErrNotDir) {
				// The removal went first (or took the entry with the
				// directory, which the course allows): the entry is
				// refused, or was made before and went with it; one
				// made under the new file is caught below.
				t.Fatalf("%s %s: %v after %s was removed and made a file, want success or ErrNotDir", c.what, p, entryErr, c.dir)
			}
			r.noEntriesUnderFiles()
		}
	})
}

// An Open with create makes its file once (spec: "directory operations
// are linearizable"). The test holds the reply to the Create of the new
// file while another client removes it: the Open may look at the file
// again, but must not create it a second time, for the Remove took the
// only file that Open made. A Remove that waits for the Open (a lock of
// the course's own design) is given until the Open returns.
func TestCreateOnceE(t *testing.T) {
	run(t, "Test (E): an Open with create makes its file once", smallConfig(), func(t *labtest.T, r *rig) {
		a, b := r.client(), r.client()
		reached, open := r.holdCreated("/y")
		var openErr error
		opened := make(chan struct{})
		go func() {
			defer close(opened)
			openErr = createFile(a, "/y")
		}()
		select {
		case <-reached:
		case <-opened:
			t.Fatalf("open /y with create returned (%v) without creating its node", openErr)
		case <-time.After(30 * time.Second):
			t.Fatalf("open /y with create did not create its node within 30 s")
		}
		t.Step("/y is created, and its Open has not seen the reply; another client removes /y")
		var rmErr error
		_, removed := returnsWithin(5*time.Second, func() { rmErr = b.Remove("/y") })
		open()
		<-opened
		<-removed
		if openErr != nil {
			t.Fatalf("open /y with create: %v", openErr)
		}
		if rmErr != nil {
			t.Fatalf("remove /y, which an Open created: %v", rmErr)
		}
		names, err := b.List("/")
		if err != nil {
			t.Fatalf("list /: %v", err)
		}
		if slices.Contains(names, "y") {
			t.Fatalf("/ lists %q after the removal of /y: one Open created /y twice", names)
		}
	})
}

// createFile creates the empty file p.
func createFile(cl Client, p string) error {
	fd, err := cl.Open(p, true, false)
	if err != nil {
		return err
	}
	return cl.Close(fd)
}

// A writer's Close publishes into the file it opened or fails: if the
// file was removed while the writer had it open, and a directory (or a
// new file) was made at its path, Close changes nothing there (spec:
// "atomic visibility on Close"; a new node starts at the same version as
// a new file). A Remove that waits for the writer's lock (a design the
// course allows) cannot get between the writer's Open and its Close: then
// the writer's Close publishes into its own file, and the removal and the
// new file or directory come after it.
func TestRemovedWhileOpenE(t *testing.T) {
	run(t, "Test (E): Close after the file was removed and replaced", smallConfig(), func(t *labtest.T, r *rig) {
		a, b := r.client(), r.client()
		for _, dir := range []bool{true, false} {
			p := fmt.Sprintf("/g%v", dir)
			fd, err := a.Open(p, true, true)
			if err != nil {
				t.Fatalf("create %s for write: %v", p, err)
			}
			if err := a.Write(fd, 0, []byte("from the old file")); err != nil {
				t.Fatalf("write %s: %v", p, err)
			}
			removedFirst := removeWhileOpen(t, b, p, func() error { return a.Close(fd) })
			if dir {
				err = b.Mkdir(p)
			} else {
				err = createFile(b, p)
			}
			if err != nil {
				t.Fatalf("make %s again: %v", p, err)
			}
			if removedFirst {
				if err := a.Close(fd); !isErr(err, ErrNotFound) {
					t.Fatalf("close of the removed %s: %v, want ErrNotFound", p, err)
				}
			}
			if !dir {
				r.expect(b, p, []byte{})
				continue
			}
			names, err := b.List(p)
			if err != nil || len(names) != 0 {
				t.Fatalf("list %s = %q, %v; want the empty directory made after the removal", p, names, err)
			}
			if _, err := b.Open(p, false, false); !isErr(err, ErrIsDir) {
				t.Fatalf("open %s: %v, want ErrIsDir", p, err)
			}
		}
	})
}
