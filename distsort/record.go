package distsort

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
)

// Record layout, identical to the Sort Benchmark's gensort: a 10-byte key
// compared bytewise (an unsigned 80-bit big-endian integer) and a 90-byte
// value that sorting never inspects.
const (
	RecordSize = 100
	KeySize    = 10
	ValueSize  = RecordSize - KeySize
)

// Record is one gensort record.
type Record [RecordSize]byte

// Key returns the record's key.
func (r *Record) Key() []byte { return r[:KeySize] }

// Value returns the record's value.
func (r *Record) Value() []byte { return r[KeySize:] }

// CompareKeys compares the keys of two records (or two bare keys) bytewise,
// returning -1, 0 or +1. Only the first KeySize bytes are compared.
func CompareKeys(a, b []byte) int {
	return bytes.Compare(a[:KeySize], b[:KeySize])
}

// keyHi returns the first 8 key bytes as a big-endian integer, so that
// comparing (keyHi, keyLo) pairs as integers orders keys bytewise.
func keyHi(rec []byte) uint64 { return binary.BigEndian.Uint64(rec[:8]) }

// keyLo returns key bytes 8 and 9 as a big-endian integer.
func keyLo(rec []byte) uint64 { return uint64(rec[8])<<8 | uint64(rec[9]) }

// ErrSize reports an input whose size is not a whole number of records.
type ErrSize struct {
	Path string
	Size int64
}

// Error implements error.
func (e *ErrSize) Error() string {
	return fmt.Sprintf("%s: size %d bytes is not a multiple of the %d-byte record size (%d trailing bytes)",
		e.Path, e.Size, RecordSize, e.Size%RecordSize)
}

// CheckInputFile returns the number of records in the file at path, or an
// *ErrSize error if its size is not a multiple of RecordSize.
func CheckInputFile(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("input: %w", err)
	}
	if st.Size()%RecordSize != 0 {
		return 0, &ErrSize{Path: path, Size: st.Size()}
	}
	return st.Size() / RecordSize, nil
}
