//solution:file

package distsort

import (
	"bufio"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// sink collects the records a server receives (from peers and from its own
// input) into bins. It keeps at most budget bytes of records in memory; when
// a write would exceed the budget it sorts the buffered records into a run
// file and starts over. Writers block while a spill is in progress, which
// throttles the senders through the network (backpressure).
type sink struct {
	mu       sync.Mutex
	bins     *[nBins]arena
	bn       *binner
	size     int64 // bytes in bins
	budget   int64
	spillDir string
	workers  int
	runs     []string // spilled run files, each sorted
	records  int64    // all records received, spilled or not
	ms       *meters
}

func newSink(bn *binner, budget int64, spillDir string, workers int, ms *meters) *sink {
	return &sink{bins: new([nBins]arena), bn: bn, budget: max(budget, RecordSize), spillDir: spillDir, workers: workers, ms: ms}
}

// write adds whole records to the sink.
func (s *sink) write(p []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for off := 0; off < len(p); off += RecordSize {
		if s.size+RecordSize > s.budget {
			if err := s.spillLocked(); err != nil {
				return err
			}
		}
		rec := p[off : off+RecordSize]
		s.bins[s.bn.bin(keyHi(rec))].add(rec)
		s.size += RecordSize
	}
	s.records += int64(len(p) / RecordSize)
	s.ms.bin.add(len(p))
	return nil
}

// spillLocked sorts the buffered records into a new run file.
func (s *sink) spillLocked() (err error) {
	f, err := os.CreateTemp(s.spillDir, "distsort-run-*")
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	s.runs = append(s.runs, f.Name())
	err = writeBins(f, s.bins, s.bn, s.workers, s.ms, &s.ms.spill, &s.ms.spill)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("spill: %w", cerr)
	}
	s.bins, s.size = new([nBins]arena), 0
	return err
}

// removeRuns deletes the run files.
func (s *sink) removeRuns() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.runs {
		_ = os.Remove(r) // best effort: a leftover run file is harmless
	}
	s.runs = nil
}

// writeOutput writes all received records, sorted, to f: directly from
// memory when nothing was spilled, else by spilling the remainder too and
// merging all runs.
func (s *sink) writeOutput(f *os.File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runs) == 0 {
		return writeBins(f, s.bins, s.bn, s.workers, s.ms, &s.ms.sort, &s.ms.write)
	}
	if s.size > 0 {
		if err := s.spillLocked(); err != nil {
			return err
		}
	}
	clk := s.ms.startClock(&s.ms.merge)
	defer clk.stop()
	s.ms.merge.add(int(s.records * RecordSize))
	return mergeRuns(f, s.runs)
}

// cursor is one run file being merged.
type cursor struct {
	hi, lo uint64 // key of the current record (lo holds key bytes 8-9)
	r      *bufio.Reader
	rec    [RecordSize]byte
}

// next advances the cursor; it returns false at the end of its run.
func (c *cursor) next() (bool, error) {
	if _, err := io.ReadFull(c.r, c.rec[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("merge: read run: %w", err)
	}
	c.hi, c.lo = keyHi(c.rec[:]), keyLo(c.rec[:])
	return true, nil
}

// cursorHeap is a min-heap of cursors by current key.
type cursorHeap []*cursor

// Len, Less, Swap, Push and Pop implement heap.Interface.
func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	return h[i].hi < h[j].hi || (h[i].hi == h[j].hi && h[i].lo < h[j].lo)
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// mergeRuns merges sorted run files into f with a k-way heap merge.
func mergeRuns(f *os.File, runs []string) error {
	const bufSize = 256 << 10
	h := make(cursorHeap, 0, len(runs))
	for _, name := range runs {
		rf, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("merge: %w", err)
		}
		defer rf.Close()
		c := &cursor{r: bufio.NewReaderSize(rf, bufSize)}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	w := bufio.NewWriterSize(f, 4<<20)
	for len(h) > 0 {
		c := h[0]
		if _, err := w.Write(c.rec[:]); err != nil {
			return fmt.Errorf("merge: write %s: %w", f.Name(), err)
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("merge: write %s: %w", f.Name(), err)
	}
	return nil
}
