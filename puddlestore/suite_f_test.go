package puddlestore

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// incr adds one to the decimal counter in file p under the file's lock.
func incr(cl Client, p string) error {
	fd, err := cl.Open(p, true, true)
	if err != nil {
		return fmt.Errorf("open %s for write: %w", p, err)
	}
	data, err := cl.Read(fd, 0, 64)
	if err != nil {
		return fmt.Errorf("read %s: %w", p, err)
	}
	n := 0
	if len(data) > 0 {
		if n, err = strconv.Atoi(string(bytes.TrimLeft(data, " "))); err != nil {
			return fmt.Errorf("%s holds %q: %w", p, data, err)
		}
	}
	// Fixed width, so that every version overwrites the whole file.
	if err := cl.Write(fd, 0, []byte(fmt.Sprintf("%20d", n+1))); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	if err := cl.Close(fd); err != nil {
		return fmt.Errorf("close %s: %w", p, err)
	}
	return nil
}

// Writers of one file are serialised by its lock: no update is lost
// (spec: "no lost update between concurrent writers").
func TestConcurrentWritersF(t *testing.T) {
	run(t, "Test (F): concurrent writers lose no update", smallConfig(), func(t *labtest.T, r *rig) {
		const clients, each = 4, writerIncrements
		var wg sync.WaitGroup
		for i := 0; i < clients; i++ {
			cl := r.client()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < each; j++ {
					if err := incr(cl, "/counter"); err != nil {
						t.Errorf("client %d: %v", i, err)
						return
					}
					r.net.Op()
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		r.expect(r.client(), "/counter", []byte(fmt.Sprintf("%20d", clients*each)))
	})
}

// A second writer waits for the lock while readers never block, and a
// crashed writer's lock is released by its session's end (spec: "an Open
// for write that is never closed releases its lock when the client's
// session ends").
func TestCrashedWriterReleasesLockF(t *testing.T) {
	run(t, "Test (F): a crashed writer's lock is released", smallConfig(), func(t *labtest.T, r *rig) {
		a, b, rd := r.client(), r.client(), r.client()
		r.put(a, "/f", []byte("version 1"))
		fd, err := a.Open("/f", false, true)
		if err != nil {
			t.Fatalf("open for write: %v", err)
		}
		if err := a.Write(fd, 0, []byte("never closed")); err != nil {
			t.Fatalf("write: %v", err)
		}
		var bfd int
		var berr error
		ok, done := returnsWithin(10*time.Second, func() { bfd, berr = b.Open("/f", false, true) })
		if ok {
			t.Fatalf("a second writer opened /f (%v) while the first held its lock", berr)
		}
		// Readers take no lock.
		if ok, _ := returnsWithin(5*time.Second, func() { r.expect(rd, "/f", []byte("version 1")) }); !ok {
			t.Fatalf("a reader blocked behind a writer")
		}
		r.crash(a)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the second writer still waits 10 s after the first one's session expired")
		}
		if berr != nil {
			t.Fatalf("second writer's open: %v", berr)
		}
		if err := b.Write(bfd, 8, []byte("2")); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := b.Close(bfd); err != nil {
			t.Fatalf("close: %v", err)
		}
		r.expect(rd, "/f", []byte("version 2"))
	})
}
