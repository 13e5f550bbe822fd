package distsort

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// GenOptions describe a generated input file.
type GenOptions struct {
	Records  int64  // number of records
	Seed     uint64 // same seed and options, same bytes
	FirstRow uint64 // row number of the first record (written into the value, as gensort does)
	// Skew in [0,1]: that fraction of the keys start with two zero bytes, so
	// with equal key ranges the first server receives most of the data.
	Skew float64
	// DistinctKeys > 0 draws every key from that many distinct keys
	// (duplicate-heavy input); 0 means uniformly random keys.
	DistinctKeys int
}

// genChunk is the number of records generated per unit of parallel work.
const genChunk = 32768

// GenerateFile writes opts.Records gensort-style records to path.
// Generation runs in parallel; the output depends only on opts.
func GenerateFile(path string, opts GenOptions) (err error) {
	if opts.Skew < 0 || opts.Skew > 1 {
		return fmt.Errorf("generate: skew %v outside [0,1]", opts.Skew)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("generate: %w", cerr)
		}
	}()
	chunks := (opts.Records + genChunk - 1) / genChunk
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for c := int64(0); c < chunks; c++ {
		g.Go(func() error {
			first := c * genChunk
			n := min(genChunk, opts.Records-first)
			buf := make([]byte, n*RecordSize)
			genRecords(buf, opts, uint64(c), opts.FirstRow+uint64(first))
			if _, err := f.WriteAt(buf, first*RecordSize); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// GenerateRecords returns n records in memory (for tests and examples).
func GenerateRecords(opts GenOptions) []byte {
	buf := make([]byte, opts.Records*RecordSize)
	for c := int64(0); c*genChunk < opts.Records; c++ {
		first := c * genChunk
		n := min(genChunk, opts.Records-first)
		genRecords(buf[first*RecordSize:(first+n)*RecordSize], opts, uint64(c), opts.FirstRow+uint64(first))
	}
	return buf
}

const hexDigits = "0123456789ABCDEF"

// genRecords fills buf with records; chunk seeds the random stream so that
// chunks can be generated independently and in any order.
func genRecords(buf []byte, opts GenOptions, chunk, row uint64) {
	rng := rand.New(rand.NewPCG(opts.Seed, chunk^0x9e3779b97f4a7c15))
	var kb [16]byte
	for off := 0; off < len(buf); off, row = off+RecordSize, row+1 {
		rec := buf[off : off+RecordSize]
		switch {
		case opts.DistinctKeys > 0:
			// The key is a fixed function of its index, so every file
			// generated with the same seed shares the same key set.
			k := rand.New(rand.NewPCG(opts.Seed, uint64(rng.IntN(opts.DistinctKeys))))
			binary.BigEndian.PutUint64(kb[:8], k.Uint64())
			binary.BigEndian.PutUint64(kb[8:], k.Uint64())
		default:
			binary.BigEndian.PutUint64(kb[:8], rng.Uint64())
			binary.BigEndian.PutUint64(kb[8:], rng.Uint64())
		}
		copy(rec[:KeySize], kb[:])
		if opts.Skew > 0 && rng.Float64() < opts.Skew {
			rec[0], rec[1] = 0, 0
		}
		// Value layout of gensort: 0x00 0x11, the row number as 32 hex
		// digits, 0x88 0x99 0xAA 0xBB, 48 filler bytes, 0xCC 0xDD 0xEE 0xFF.
		v := rec[KeySize:]
		v[0], v[1] = 0x00, 0x11
		for i := range 16 {
			v[2+i] = '0'
		}
		for i := range 16 {
			v[2+16+i] = hexDigits[(row>>(60-4*i))&0xF]
		}
		copy(v[34:38], []byte{0x88, 0x99, 0xAA, 0xBB})
		for i := range 12 {
			c := hexDigits[(row>>(4*(i%16)))&0xF]
			v[38+4*i], v[39+4*i], v[40+4*i], v[41+4*i] = c, c, c, c
		}
		copy(v[86:90], []byte{0xCC, 0xDD, 0xEE, 0xFF})
	}
}
