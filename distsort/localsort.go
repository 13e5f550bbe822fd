//solution:file

package distsort

import (
	"fmt"
	"math/bits"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// Received records are partitioned first: as they arrive, each goes into one
// of 256 bins by its position within this server's key range, so the bins
// are in key order and each (about 1 MB at benchmark scale) can be sorted
// and gathered inside the CPU cache, independently and in parallel.
const (
	binBits = 8
	nBins   = 1 << binBits
	posBits = 32 // a position: bin (top 8 bits), then finer sub-bin bits
	subMax  = posBits - binBits
)

// binner maps a key to a 32-bit position, monotone in the key, within one
// server's key range.
type binner struct {
	equal bool
	mul   uint64 // equal ranges: N << posBits
	base  uint64 // equal ranges: id << posBits; splitters: range start (key hi)
	width uint64 // splitters: range width in key-hi units (0 means 2^64)
}

// bin returns the bin of a key whose leading 64 bits are h.
func (b *binner) bin(h uint64) int { return int(b.pos(h) >> subMax) }

// binnerFor returns the binner for server id's range under p.
func binnerFor(p *Partitioner, id int) *binner {
	if p.hi == nil {
		return &binner{equal: true, mul: uint64(p.n) << posBits, base: uint64(id) << posBits}
	}
	lo, hi := uint64(0), ^uint64(0)
	if id > 0 {
		lo = p.hi[id-1]
	}
	if id < len(p.hi) {
		hi = p.hi[id]
	}
	return &binner{base: lo, width: hi - lo + 1}
}

// pos returns the position of a key whose leading 64 bits are h.
func (b *binner) pos(h uint64) uint32 {
	const top = 1<<posBits - 1
	if b.equal {
		// Clamped, so that a record outside the range (a partitioning bug)
		// still lands in a valid bin.
		p, _ := bits.Mul64(h, b.mul)
		return uint32(min(max(p, b.base)-b.base, top))
	}
	if h < b.base {
		return 0
	}
	d := h - b.base
	if b.width == 0 {
		return uint32(d >> (64 - posBits))
	}
	ph, pl := bits.Mul64(d, 1<<posBits)
	if ph >= b.width {
		return top
	}
	q, _ := bits.Div64(ph, pl, b.width)
	return uint32(min(q, top))
}

// maxChunkRecords bounds the records per arena chunk; chunks start small
// and double, so that many sparsely filled bins waste little memory.
const (
	minChunkRecords = 16
	maxChunkRecords = 2048
)

// arena holds records in chunks that never move, so a record is addressed
// by (chunk, index) and growing never copies data.
type arena struct {
	chunks [][]byte // len of each chunk = bytes used
	size   int64    // bytes held
}

// add copies one record into the arena.
func (a *arena) add(rec []byte) {
	n := len(a.chunks)
	if n == 0 || len(a.chunks[n-1]) == cap(a.chunks[n-1]) {
		c := minChunkRecords
		if n > 0 {
			c = min(maxChunkRecords, 2*cap(a.chunks[n-1])/RecordSize)
		}
		a.chunks = append(a.chunks, make([]byte, 0, c*RecordSize))
		n++
	}
	a.chunks[n-1] = append(a.chunks[n-1], rec[:RecordSize]...)
	a.size += RecordSize
}

// records returns the number of records held.
func (a *arena) records() int { return int(a.size / RecordSize) }

// entry is a sort key plus a reference to the record it came from. hi holds
// key bytes 0-7; lo holds key bytes 8-9 in its top 16 bits and the record
// reference (chunk<<24 | index) below, so comparing (hi, lo) as integers
// orders records by key, ties broken by position.
type entry struct{ hi, lo uint64 }

const refBits = 24

func (a *arena) record(lo uint64) []byte {
	ref := lo & (1<<48 - 1)
	c, i := ref>>refBits, ref&(1<<refBits-1)
	return a.chunks[c][i*RecordSize : (i+1)*RecordSize]
}

func cmpEntry(a, b entry) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

// sortSmall sorts a short run of entries: insertion sort when tiny,
// pattern-defeating quicksort otherwise.
func sortSmall(s []entry) {
	if len(s) > 32 {
		slices.SortFunc(s, cmpEntry)
		return
	}
	for i := 1; i < len(s); i++ {
		e := s[i]
		j := i
		for ; j > 0 && (s[j-1].hi > e.hi || s[j-1].hi == e.hi && s[j-1].lo > e.lo); j-- {
			s[j] = s[j-1]
		}
		s[j] = e
	}
}

// binSorter sorts and gathers one bin at a time, reusing its buffers.
type binSorter struct {
	tmp, es    []entry
	hist, next []int
	out        []byte
}

// sortBin returns entries for the bin's records, sorted by key.
func (s *binSorter) sortBin(a *arena, bn *binner) []entry {
	n := a.records()
	if cap(s.es) < n {
		s.es, s.tmp = make([]entry, n), make([]entry, n)
	}
	es, tmp := s.es[:n], s.tmp[:n]
	// Counting sort by the next position bits below the bin, about one
	// sub-bucket per two records, then insertion-sort the tiny sub-buckets.
	sb := min(subMax, max(0, bits.Len(uint(n))-1))
	shift, mask := subMax-sb, uint32(1)<<sb-1
	if cap(s.hist) < 1<<sb+1 {
		s.hist, s.next = make([]int, 1<<sb+1), make([]int, 1<<sb+1)
	}
	hist, next := s.hist[:1<<sb+1], s.next[:1<<sb+1]
	clear(hist)
	k := 0
	for c, chunk := range a.chunks {
		for i := 0; i*RecordSize < len(chunk); i++ {
			rec := chunk[i*RecordSize:]
			h := keyHi(rec)
			tmp[k] = entry{hi: h, lo: keyLo(rec)<<48 | uint64(c)<<refBits | uint64(i)}
			hist[(bn.pos(h)>>shift)&mask+1]++
			k++
		}
	}
	for b := 1; b < len(hist); b++ {
		hist[b] += hist[b-1]
	}
	copy(next, hist)
	for _, e := range tmp {
		b := (bn.pos(e.hi) >> shift) & mask
		es[next[b]] = e
		next[b]++
	}
	for b := range len(hist) - 1 {
		sortSmall(es[hist[b]:hist[b+1]])
	}
	return es
}

// gatherBlock bounds the bytes gathered per write, so that one huge bin
// (many equal keys) does not need a second copy of itself in memory.
const gatherBlock = 4 << 20

// gather appends the records of es to dst, in order.
func gather(dst []byte, a *arena, es []entry) []byte {
	for _, e := range es {
		dst = append(dst, a.record(e.lo)...)
	}
	return dst
}

// writeBin gathers the sorted records of es and writes them to f at off in
// blocks of at most gatherBlock bytes.
func (s *binSorter) writeBin(f *os.File, a *arena, es []entry, off int64) error {
	const per = gatherBlock / RecordSize
	if s.out == nil {
		s.out = make([]byte, 0, per*RecordSize)
	}
	for i := 0; i < len(es); i += per {
		s.out = gather(s.out[:0], a, es[i:min(len(es), i+per)])
		if _, err := f.WriteAt(s.out, off+int64(i)*RecordSize); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), err)
		}
	}
	return nil
}

// sortedRecords returns data's records sorted, going through the same
// binning and per-bin sort as a server with the whole key range.
func sortedRecords(data []byte) []byte {
	var bins [nBins]arena
	bn := binnerFor(EqualRanges(1), 0)
	for off := 0; off < len(data); off += RecordSize {
		bins[bn.bin(keyHi(data[off:]))].add(data[off:])
	}
	var s binSorter
	out := make([]byte, 0, len(data))
	for b := range bins {
		out = gather(out, &bins[b], s.sortBin(&bins[b], bn))
	}
	return out
}

// writeBins sorts every bin and writes the bins, in order, to f starting at
// offset 0: workers take bins in turn and write each at its offset with a
// positioned write.
// Sorting time is charged to sortM, gathering and writing to writeM.
func writeBins(f *os.File, bins *[nBins]arena, bn *binner, workers int, ms *meters, sortM, writeM *meter) error {
	var offs [nBins + 1]int64
	for b := range nBins {
		offs[b+1] = offs[b] + bins[b].size
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var s binSorter
			clk := ms.startClock(sortM)
			defer clk.stop()
			for {
				b := int(next.Add(1) - 1)
				if b >= nBins {
					return
				}
				if bins[b].size == 0 {
					continue
				}
				clk.to(sortM)
				es := s.sortBin(&bins[b], bn)
				sortM.add(int(bins[b].size))
				clk.to(writeM)
				if err := s.writeBin(f, &bins[b], es, offs[b]); err != nil {
					errs[w] = err
					return
				}
				writeM.add(int(bins[b].size))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
