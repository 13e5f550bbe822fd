package distsort

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"os"
	"runtime"

	"golang.org/x/sync/errgroup"
)

// Summary is an order-independent digest of a multiset of records: equal
// multisets have equal summaries, and a missing, extra or altered record
// changes the summary except with negligible probability.
type Summary struct {
	Records int64
	CRCSum  uint64 // sum of the CRC-32C of each record (as gensort's valsort does)
	HashSum uint64 // sum of a 64-bit mixing hash of each record
}

// Add folds another summary into s.
func (s *Summary) Add(o Summary) {
	s.Records += o.Records
	s.CRCSum += o.CRCSum
	s.HashSum += o.HashSum
}

// String formats the summary for messages.
func (s Summary) String() string {
	return fmt.Sprintf("%d records, crc-sum %016x, hash-sum %016x", s.Records, s.CRCSum, s.HashSum)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// recordHash is a fast 64-bit hash of one record, independent of the CRC.
func recordHash(rec []byte) uint64 {
	h := uint64(0x243f6a8885a308d3)
	for i := 0; i+8 <= RecordSize; i += 8 {
		hi, lo := bits.Mul64(h^binary.LittleEndian.Uint64(rec[i:]), 0x9e3779b97f4a7c15)
		h = hi ^ lo
	}
	hi, lo := bits.Mul64(h^uint64(binary.LittleEndian.Uint32(rec[96:])), 0xbf58476d1ce4e5b9)
	return hi ^ lo
}

// FileInfo describes one scanned record file.
type FileInfo struct {
	Path    string
	Summary Summary
	// First and Last are the first and last keys (nil for an empty file).
	First, Last []byte
	// Unsorted is the index of the first record whose key is smaller than
	// its predecessor's, or -1 if the file is sorted.
	Unsorted int64
}

// scanPiece is the result of scanning one part of a file.
type scanPiece struct {
	sum         Summary
	first, last []byte
	unsorted    int64
}

// ScanFile reads a record file in parallel and returns its digest and
// sortedness.
func ScanFile(path string) (*FileInfo, error) {
	n, err := CheckInputFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scan: %w", err)
	}
	defer f.Close()
	const piece = 40960 // records per piece
	pieces := make([]scanPiece, (n+piece-1)/piece)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range pieces {
		g.Go(func() error {
			start := int64(i) * piece
			cnt := min(piece, n-start)
			buf := make([]byte, cnt*RecordSize)
			if _, err := f.ReadAt(buf, start*RecordSize); err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("scan %s: %w", path, err)
			}
			p := &pieces[i]
			p.unsorted = -1
			for r := int64(0); r < cnt; r++ {
				rec := buf[r*RecordSize : (r+1)*RecordSize]
				p.sum.Records++
				p.sum.CRCSum += uint64(crc32.Checksum(rec, castagnoli))
				p.sum.HashSum += recordHash(rec)
				if r > 0 && p.unsorted < 0 && CompareKeys(buf[(r-1)*RecordSize:], rec) > 0 {
					p.unsorted = start + r
				}
			}
			if cnt > 0 {
				p.first = bytes.Clone(buf[:KeySize])
				p.last = bytes.Clone(buf[(cnt-1)*RecordSize : (cnt-1)*RecordSize+KeySize])
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	info := &FileInfo{Path: path, Unsorted: -1}
	for i, p := range pieces {
		info.Summary.Add(p.sum)
		if info.Unsorted < 0 {
			if p.unsorted >= 0 {
				info.Unsorted = p.unsorted
			} else if i > 0 && CompareKeys(pieces[i-1].last, p.first) > 0 {
				info.Unsorted = int64(i) * piece
			}
		}
	}
	if len(pieces) > 0 {
		info.First, info.Last = pieces[0].first, pieces[len(pieces)-1].last
	}
	return info, nil
}

// Report is the result of a successful validation.
type Report struct {
	Inputs, Outputs Summary
	// OutputRecords[i] is the number of records in output i.
	OutputRecords []int64
}

// Imbalance returns the largest output's size divided by the mean output
// size (1.0 is perfect balance; 0 when there are no records).
func (r *Report) Imbalance() float64 { return imbalance(r.OutputRecords) }

func imbalance(counts []int64) float64 {
	var total, most int64
	for _, c := range counts {
		total += c
		most = max(most, c)
	}
	if total == 0 {
		return 0
	}
	return float64(most) * float64(len(counts)) / float64(total)
}

// Validate checks that every output is sorted, that the outputs in order
// form one sorted sequence in which no key spans two outputs, and that the
// multiset of output records equals the multiset of input records. The
// error names the first problem found.
func Validate(inputs, outputs []string) (*Report, error) {
	rep := &Report{}
	for _, p := range inputs {
		info, err := ScanFile(p)
		if err != nil {
			return nil, fmt.Errorf("validate: %w", err)
		}
		rep.Inputs.Add(info.Summary)
	}
	var prev *FileInfo
	for _, p := range outputs {
		info, err := ScanFile(p)
		if err != nil {
			return nil, fmt.Errorf("validate: %w", err)
		}
		if info.Unsorted >= 0 {
			return nil, fmt.Errorf("validate: %s: record %d is out of order", p, info.Unsorted)
		}
		if info.Summary.Records > 0 {
			// Key ranges are disjoint: one key never spans two outputs.
			if prev != nil {
				switch CompareKeys(prev.Last, info.First) {
				case 1:
					return nil, fmt.Errorf("validate: last key of %s is greater than first key of %s", prev.Path, p)
				case 0:
					return nil, fmt.Errorf("validate: key %x is in both %s and %s; key ranges must be disjoint", info.First[:KeySize], prev.Path, p)
				}
			}
			prev = info
		}
		rep.Outputs.Add(info.Summary)
		rep.OutputRecords = append(rep.OutputRecords, info.Summary.Records)
	}
	if rep.Inputs.Records != rep.Outputs.Records {
		return nil, fmt.Errorf("validate: inputs hold %d records, outputs %d", rep.Inputs.Records, rep.Outputs.Records)
	}
	if rep.Inputs != rep.Outputs {
		return nil, fmt.Errorf("validate: checksums differ (inputs: %v; outputs: %v)", rep.Inputs, rep.Outputs)
	}
	return rep, nil
}
