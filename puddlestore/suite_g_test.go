package puddlestore

import (
	"sort"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// Blocks that no file refers to are collected, measured on the nodes
// (spec: "blocks no file refers to are eventually collected (measured,
// not only claimed)"): after overwrites and removals, the nodes hold
// exactly the copies of the blocks the files' inodes list.
func TestGarbageCollectedG(t *testing.T) {
	run(t, "Test (G): dead blocks are collected", smallConfig(), func(t *labtest.T, r *rig) {
		cl := r.client()
		for round := 0; round < 3; round++ {
			for i := 0; i < 4; i++ {
				r.put(cl, "/f"+string(rune('0'+i)), pattern(byte(round*4+i), 40+16*i))
			}
		}
		r.writeAt(cl, "/f0", 5, []byte("patch"))
		if err := cl.Remove("/f3"); err != nil {
			t.Fatalf("remove: %v", err)
		}
		// A failed Close leaves blocks no file refers to (where a removal
		// waits for the writer, the Close succeeds and the removal then
		// leaves them).
		fd, err := cl.Open("/f2", false, true)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if err := cl.Write(fd, 0, []byte("lost")); err != nil {
			t.Fatalf("write: %v", err)
		}
		if removeWhileOpen(t, r.client(), "/f2", func() error { return cl.Close(fd) }) {
			if err := cl.Close(fd); err == nil {
				t.Fatalf("Close of a removed file succeeded")
			}
		}
		before := r.heldKeys()
		time.Sleep(GCGrace + 3*GCInterval)
		live := r.liveKeys()
		after := r.heldKeys()
		if strings.Join(after, " ") != strings.Join(live, " ") {
			t.Fatalf("the nodes hold %d copies (%d before collection), the files refer to %d", len(after), len(before), len(live))
		}
		if len(before) <= len(after) {
			t.Fatalf("nothing was collected: %d copies before, %d after", len(before), len(after))
		}
		r.expect(cl, "/f1", pattern(9, 40+16))
	})
}

// heldKeys lists every salted key the live nodes hold, sorted.
func (r *rig) heldKeys() []string {
	var keys []string
	for _, h := range r.held() {
		keys = append(keys, h...)
	}
	sort.Strings(keys)
	return keys
}

// liveKeys lists the keys of every copy of every block the files refer
// to, sorted, read from the inodes in the coordination service.
func (r *rig) liveKeys() []string {
	var keys []string
	r.walk(func(_ string, _ bool, copies, _ []string) {
		keys = append(keys, copies...)
	})
	sort.Strings(keys)
	return keys
}
