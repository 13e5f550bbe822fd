package puddlestore

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/test/labtest"
	"distlabs/test/linearize"
)

// wholeSize is the length of every version of the nemesis test's
// /whole: several blocks of smallConfig, so that a mix shows.
const wholeSize = 64

// The file system keeps its rules while coordination servers crash,
// restart and are cut off and NumReplicas-1 Tapestry nodes crash, under
// concurrent writers and readers (spec: "a nemesis over Tapestry and
// coordination servers"; "atomic visibility"; "no lost update between
// concurrent writers"). The coordination service keeps a majority up at
// every moment, so no operation may fail: every increment counts, and
// every read of /whole sees one whole version.
func TestNemesisF(t *testing.T) {
	cfg := smallConfig()
	run(t, "Test (F): coordination and Tapestry failures under load", cfg, func(t *labtest.T, r *rig) {
		// Paced clients: every Close publishes blocks through Tapestry,
		// whose gRPC reconnections to crashed nodes cost real CPU, so a
		// client that never pauses makes the test slow, not stronger.
		const writers, readers, rounds, pace = 3, 2, nemesisRounds, nemesisPace
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var incrs, reads atomic.Int64
		for w := 0; w < writers; w++ {
			cl := r.client()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for v := 0; ; v++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := incr(cl, "/counter"); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
					incrs.Add(1)
					r.net.Op()
					time.Sleep(pace)
					if err := putWhole(cl, byte('a'+(w*7+v)%26)); err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
					r.net.Op()
					time.Sleep(pace)
				}
			}()
		}
		for k := 0; k < readers; k++ {
			cl := r.client()
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := checkWhole(cl); err != nil {
						t.Errorf("reader %d: %v", k, err)
						return
					}
					reads.Add(1)
					r.net.Op()
					time.Sleep(pace)
				}
			}()
		}

		// The nemesis: one coordination fault per round, healed within
		// the round, and the crash of a Tapestry node in two rounds.
		victims := t.Rand.Perm(cfg.NumTapestry)[:cfg.NumReplicas-1]
		for round := 0; round < rounds; round++ {
			if round == 1 || round == rounds-1 {
				r.killNode(victims[0])
				victims = victims[1:]
			}
			r.coordFault()
		}
		close(stop)
		wg.Wait()
		if t.Failed() {
			return
		}
		if incrs.Load() == 0 || reads.Load() == 0 {
			t.Fatalf("no progress under the nemesis: %d increments, %d reads", incrs.Load(), reads.Load())
		}
		cl := r.client()
		r.expect(cl, "/counter", []byte(fmt.Sprintf("%20d", incrs.Load())))
		if err := checkWhole(cl); err != nil {
			t.Fatalf("after the nemesis: %v", err)
		}
	})
}

// putWhole replaces /whole with wholeSize copies of b.
func putWhole(cl Client, b byte) error {
	fd, err := cl.Open("/whole", true, true)
	if err != nil {
		return fmt.Errorf("open /whole for write: %w", err)
	}
	if err := cl.Write(fd, 0, bytes.Repeat([]byte{b}, wholeSize)); err != nil {
		return fmt.Errorf("write /whole: %w", err)
	}
	if err := cl.Close(fd); err != nil {
		return fmt.Errorf("close /whole: %w", err)
	}
	return nil
}

// checkWhole reads /whole and fails unless it is missing, empty or one
// whole version: wholeSize copies of one byte.
func checkWhole(cl Client) error {
	fd, err := cl.Open("/whole", false, false)
	if isErr(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open /whole: %w", err)
	}
	data, err := cl.Read(fd, 0, 2*wholeSize)
	if cerr := cl.Close(fd); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("read /whole: %w", err)
	}
	if len(data) != 0 && (len(data) != wholeSize || !bytes.Equal(data, bytes.Repeat(data[:1], wholeSize))) {
		return fmt.Errorf("/whole holds a mix of versions: %s", show(data))
	}
	return nil
}

// coordFault is one round of the nemesis over the coordination servers:
// one server crashes or is cut off, for half a second to two, and comes
// back; then up to one and a half seconds pass without a fault. A
// majority stays up throughout.
func (r *rig) coordFault() {
	t := r.t
	i := t.Rand.IntN(coordServers)
	pause := time.Duration(500+t.Rand.IntN(1500)) * time.Millisecond
	if t.Rand.IntN(2) == 0 {
		r.coord.Crash(i)
		time.Sleep(pause)
		r.coord.Start(i)
		r.coord.Connect(i)
	} else {
		r.coord.Disconnect(i)
		time.Sleep(pause)
		r.coord.Connect(i)
	}
	time.Sleep(time.Duration(500+t.Rand.IntN(1000)) * time.Millisecond)
}

// The namespace operations, and whole-file writes and reads, are
// linearizable (spec: "directory operations are linearizable (porcupine
// with a file-system model)"): concurrent clients make, create, remove,
// list, write and read a few paths that are files at one moment and
// directories at another, while coordination servers crash and are cut
// off, and their history must be one of a file system with one copy
// (config_model_test.go). Every operation must return: a majority of the
// coordination servers is up at every moment.
func TestNamespaceLinearizableF(t *testing.T) {
	run(t, "Test (F): the namespace is linearizable under faults", smallConfig(), func(t *labtest.T, r *rig) {
		const clients, each = 4, linearizableOps
		h := &fsHistory{t: t, r: r, rec: linearize.NewRecorder()}
		var wg sync.WaitGroup
		for c := 0; c < clients; c++ {
			cl := r.client()
			rnd := rand.New(rand.NewPCG(t.Rand.Uint64(), uint64(c)))
			wg.Add(1)
			go func() {
				defer wg.Done()
				// First every client writes one file at once, a few
				// times: writers that do not wait for each other lose
				// updates, or fail to publish a file that exists.
				h.do(cl, c, fsInput{Op: opCreate, Path: "/w"})
				for n := 0; n < 3; n++ {
					h.do(cl, c, fsInput{Op: opPut, Path: "/w", Data: fmt.Sprintf("%-*s", putLen, fmt.Sprintf("w%d.%d", c, n))})
				}
				for n := 0; n < each && !t.Failed(); n++ {
					h.do(cl, c, randomFsOp(rnd, c, n))
					time.Sleep(time.Duration(rnd.IntN(100)) * time.Millisecond)
				}
			}()
		}
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		for faults := true; faults; {
			select {
			case <-done:
				faults = false
			default:
				r.coordFault()
			}
		}
		if t.Failed() {
			return
		}
		h.check()
	})
}
