package mapreduce

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Intermediate files are a sequence of records, each
//
//	uvarint(len(key)) key uvarint(len(value)) value
//
// Length prefixes make any key or value safe (spaces, newlines, binary) and
// decoding cheap: the reader slices keys and values out of one string
// holding the whole file, so decoding allocates nothing per record.

// recordWriter encodes records into a buffered writer.
type recordWriter struct {
	w       *bufio.Writer
	scratch [2 * binary.MaxVarintLen64]byte
}

func newRecordWriter(w io.Writer) *recordWriter {
	return &recordWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// write appends one record. Its write errors are not lost: bufio.Writer
// keeps the first one and flush returns it, so the hot path skips checks.
func (rw *recordWriter) write(key, value string) {
	b := binary.AppendUvarint(rw.scratch[:0], uint64(len(key)))
	rw.w.Write(b)
	rw.w.WriteString(key)
	b = binary.AppendUvarint(rw.scratch[:0], uint64(len(value)))
	rw.w.Write(b)
	rw.w.WriteString(value)
}

// flush writes out buffered records and reports any error since creation.
func (rw *recordWriter) flush() error { return rw.w.Flush() }

var errCorrupt = errors.New("corrupt intermediate record")

// decodeRecords calls fn for every record of data, in order. Keys and
// values are substrings of data (no copies).
func decodeRecords(data string, fn func(key, value string)) error {
	for i := 0; i < len(data); {
		key, next, err := decodeField(data, i)
		if err != nil {
			return fmt.Errorf("at byte %d: %w", i, err)
		}
		value, next2, err := decodeField(data, next)
		if err != nil {
			return fmt.Errorf("at byte %d: %w", next, err)
		}
		fn(key, value)
		i = next2
	}
	return nil
}

// decodeField reads one length-prefixed string starting at data[i].
func decodeField(data string, i int) (string, int, error) {
	var n uint64
	var shift uint
	for {
		if i >= len(data) || shift > 63 {
			return "", 0, errCorrupt
		}
		c := data[i]
		i++
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			break
		}
		shift += 7
	}
	if n > uint64(len(data)-i) {
		return "", 0, errCorrupt
	}
	end := i + int(n)
	return data[i:end], end, nil
}
