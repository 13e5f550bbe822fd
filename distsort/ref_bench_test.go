//solution:file

package distsort

import (
	"path/filepath"
	"testing"
)

// BenchmarkLocalSort measures sorting and writing 250 MB, one server's
// share of the 1 GB benchmark, from records already binned.
func BenchmarkLocalSort(b *testing.B) {
	data := GenerateRecords(GenOptions{Records: 2_500_000, Seed: 1})
	sk := newSink(binnerFor(EqualRanges(1), 0), 1<<30, b.TempDir(), 2, new(meters))
	if err := sk.write(data); err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		writeOutputFile(b, sk, filepath.Join(dir, "out"))
	}
}

// BenchmarkSinkWrite measures binning records as they arrive.
func BenchmarkSinkWrite(b *testing.B) {
	data := GenerateRecords(GenOptions{Records: 2_500_000, Seed: 1})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		sk := newSink(binnerFor(EqualRanges(1), 0), 1<<30, b.TempDir(), 2, new(meters))
		for off := 0; off < len(data); off += 262100 {
			if err := sk.write(data[off:min(len(data), off+262100)]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
