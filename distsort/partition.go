package distsort

import (
	"bytes"
	"fmt"
	"math/bits"
	"slices"
	"sort"
)

// SplitMode chooses how the key space is divided among the servers.
type SplitMode uint8

const (
	// SplitEqual divides the key space into N equal ranges (by the leading
	// 64 key bits), like the classic assignment but for any N.
	SplitEqual SplitMode = iota
	// SplitSample derives N-1 splitter keys from a sample of every input, so
	// skewed inputs still balance.
	SplitSample
)

// String returns the mode's name as the CLI spells it.
func (m SplitMode) String() string {
	switch m {
	case SplitEqual:
		return "equal"
	case SplitSample:
		return "sample"
	}
	return fmt.Sprintf("SplitMode(%d)", uint8(m))
}

// ParseSplitMode parses "equal" or "sample".
func ParseSplitMode(s string) (SplitMode, error) {
	switch s {
	case "equal", "":
		return SplitEqual, nil
	case "sample":
		return SplitSample, nil
	}
	return 0, fmt.Errorf("unknown split mode %q (want equal or sample)", s)
}

// Partitioner maps a key to the server that owns its range. Ranges are
// contiguous and increasing: server i's keys all precede server i+1's.
type Partitioner struct {
	n int
	// splitters, when non-nil, holds N-1 increasing keys; server i owns the
	// keys k with splitters[i-1] <= k < splitters[i].
	hi []uint64
	lo []uint64
}

// EqualRanges returns a partitioner that splits the key space into n equal
// ranges of the leading 64 key bits.
func EqualRanges(n int) *Partitioner {
	if n < 1 {
		panic("distsort: EqualRanges needs n >= 1")
	}
	return &Partitioner{n: n}
}

// NewSplitters returns a partitioner from n-1 increasing splitter keys.
func NewSplitters(splitters [][]byte) *Partitioner {
	p := &Partitioner{n: len(splitters) + 1, hi: []uint64{}, lo: []uint64{}}
	for _, s := range splitters {
		p.hi = append(p.hi, keyHi(s))
		p.lo = append(p.lo, keyLo(s))
	}
	return p
}

// N returns the number of ranges.
func (p *Partitioner) N() int { return p.n }

// Dest returns the index of the range that holds the key of rec.
func (p *Partitioner) Dest(rec []byte) int {
	//solution:begin
	h := keyHi(rec)
	if p.hi == nil {
		// floor(h * n / 2^64): the high word of the 128-bit product.
		d, _ := bits.Mul64(h, uint64(p.n))
		return int(d)
	}
	l := keyLo(rec)
	// The number of splitters <= key is the destination.
	return sort.Search(len(p.hi), func(i int) bool {
		return p.hi[i] > h || (p.hi[i] == h && p.lo[i] > l)
	})
	//solution:stub
	// // Your code here.
	// return 0
	//solution:end
}

// SampleKeys returns up to k keys from data (whole records), taken at evenly
// spaced positions so that sorted or clustered inputs are still represented.
func SampleKeys(data []byte, k int) [][]byte {
	n := len(data) / RecordSize
	if n == 0 || k <= 0 {
		return nil
	}
	k = min(k, n)
	keys := make([][]byte, 0, k)
	for i := range k {
		r := int(int64(i) * int64(n) / int64(k))
		keys = append(keys, bytes.Clone(data[r*RecordSize:r*RecordSize+KeySize]))
	}
	return keys
}

// SplittersFromSamples picks n-1 splitter keys at the quantiles of the union
// of all samples. Every server computes the same result from the same
// samples regardless of their order. With no samples it falls back to equal
// ranges.
func SplittersFromSamples(samples [][]byte, n int) *Partitioner {
	//solution:begin
	if len(samples) == 0 || n == 1 {
		return EqualRanges(n)
	}
	all := slices.Clone(samples)
	slices.SortFunc(all, CompareKeys)
	splitters := make([][]byte, 0, n-1)
	for i := 1; i < n; i++ {
		splitters = append(splitters, all[i*len(all)/n])
	}
	return NewSplitters(splitters)
	//solution:stub
	// // Your code here.
	// return EqualRanges(n)
	//solution:end
}
