//solution:file F

package puddlestore

import (
	"fmt"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestLockDirectoriesGo (reference only: the course leaves a lock's
// layout to the student) checks that the reference's lock directories go
// with their last holder: after writers, a queued second writer, Mkdir and
// removals, the coordination service holds no lock directory, so the locks
// of files long removed do not pile up there.
func TestLockDirectoriesGo(t *testing.T) {
	run(t, "reference: lock directories go with their last holder", smallConfig(), func(t *labtest.T, r *rig) {
		a, b := r.client(), r.client()
		if err := a.Mkdir("/d"); err != nil {
			t.Fatalf("mkdir: %v", err)
		}
		for i := range 4 {
			r.put(a, fmt.Sprintf("/d/f%d", i), pattern(byte(i), 10))
		}
		fd, err := a.Open("/d/f0", false, true)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		var bfd int
		var berr error
		queued, done := returnsWithin(5*time.Second, func() { bfd, berr = b.Open("/d/f0", false, true) })
		if queued {
			t.Fatalf("a second writer did not wait for the first (err %v)", berr)
		}
		if err := a.Close(fd); err != nil {
			t.Fatalf("close: %v", err)
		}
		<-done
		if berr != nil {
			t.Fatalf("second writer: %v", berr)
		}
		if err := b.Close(bfd); err != nil {
			t.Fatalf("close: %v", err)
		}
		for _, p := range []string{"/d/f1", "/d/f2", "/d/f3", "/d/f0", "/d"} {
			if err := b.Remove(p); err != nil {
				t.Fatalf("remove %s: %v", p, err)
			}
		}
		conn, err := r.connect()
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		left, _, err := conn.Children(locksNode)
		if err != nil {
			t.Fatalf("children of %s: %v", locksNode, err)
		}
		if len(left) != 0 {
			t.Fatalf("lock directories left behind: %q", left)
		}
	})
}
