package distsort

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"distlabs/test/labtest"
)

// sortedCopy sorts records with the obvious comparison sort (the oracle).
func sortedCopy(data []byte) []byte {
	recs := make([][]byte, 0, len(data)/RecordSize)
	for off := 0; off < len(data); off += RecordSize {
		recs = append(recs, data[off:off+RecordSize])
	}
	slices.SortStableFunc(recs, CompareKeys)
	return bytes.Join(recs, nil)
}

func TestCompareKeys(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		a := make([]byte, RecordSize)
		b := make([]byte, RecordSize)
		b[KeySize] = 1 // values never matter
		if CompareKeys(a, b) != 0 {
			t.Fatal("records with equal keys compare unequal")
		}
		b[9] = 1
		if CompareKeys(a, b) >= 0 || CompareKeys(b, a) <= 0 {
			t.Fatal("last key byte not compared")
		}
		a[0] = 0x80 // bytewise = unsigned: 0x80 > 0x00
		if CompareKeys(a, b) <= 0 {
			t.Fatal("key bytes must compare unsigned")
		}
	})
}

// Equal ranges: monotone in the key, every server gets a range, and the
// boundaries sit at i * 2^64 / n of the leading 64 key bits.
func TestEqualRanges(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		key := make([]byte, RecordSize)
		for _, n := range []int{1, 2, 3, 5, 8, 13} {
			p := EqualRanges(n)
			prev := 0
			seen := map[int]bool{}
			for i := range 4096 {
				binary.BigEndian.PutUint64(key, uint64(i)<<52)
				d := p.Dest(key)
				if d < prev || d >= n {
					t.Fatalf("n=%d: key %d -> server %d after %d", n, i, d, prev)
				}
				prev = d
				seen[d] = true
			}
			if len(seen) != n {
				t.Fatalf("n=%d: only %d servers own keys", n, len(seen))
			}
			binary.BigEndian.PutUint64(key, ^uint64(0))
			if d := p.Dest(key); d != n-1 {
				t.Fatalf("n=%d: largest key -> %d", n, d)
			}
		}
	})
}

func TestSplitters(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		data := GenerateRecords(GenOptions{Records: 20000, Seed: uint64(t.Seed), Skew: 0.9})
		p := SplittersFromSamples(SampleKeys(data, 2000), 4)
		counts := make([]int, 4)
		prevKey, prevDest := []byte(nil), 0
		sorted := sortedCopy(data)
		for off := 0; off < len(sorted); off += RecordSize {
			d := p.Dest(sorted[off:])
			if d < prevDest && CompareKeys(prevKey, sorted[off:]) != 0 {
				t.Fatalf("splitters not monotone")
			}
			prevKey, prevDest = sorted[off:], d
			counts[d]++
		}
		for i, c := range counts {
			// 2000 samples put each splitter within about 1% of its
			// quantile; 30% off is a bug, not bad luck.
			if c < 3500 || c > 6500 {
				t.Fatalf("server %d gets %d of 20000 skewed records: %v", i, c, counts)
			}
		}
	})
}

// The validator accepts a correct result and rejects one swapped, one
// altered and one missing record (Spec "CLI": validator).
func TestValidatorRejects(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		data := GenerateRecords(GenOptions{Records: 1000, Seed: uint64(t.Seed)})
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sorted := sortedCopy(data)
		half := 500 * RecordSize
		outs := []string{filepath.Join(dir, "o0"), filepath.Join(dir, "o1")}
		write := func(a, b []byte) {
			if err := os.WriteFile(outs[0], a, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(outs[1], b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(sorted[:half], sorted[half:])
		if _, err := Validate([]string{in}, outs); err != nil {
			t.Fatalf("correct output rejected: %v", err)
		}
		cases := []struct {
			name   string
			mutate func(b []byte) []byte
			want   string
		}{
			{"swapped", func(b []byte) []byte {
				r := 200 * RecordSize
				tmp := bytes.Clone(b[r : r+RecordSize])
				copy(b[r:], b[r+RecordSize:r+2*RecordSize])
				copy(b[r+RecordSize:], tmp)
				return b
			}, "out of order"},
			{"altered", func(b []byte) []byte { b[300*RecordSize+50] ^= 1; return b }, "checksums differ"},
			{"missing", func(b []byte) []byte { return slices.Delete(b, 100*RecordSize, 101*RecordSize) }, "records"},
			{"files swapped", nil, "greater than first key"},
			{"key split across outputs", nil, "in both"},
		}
		for _, c := range cases {
			if c.mutate == nil && c.name == "files swapped" {
				write(sorted[half:], sorted[:half])
			} else if c.mutate == nil {
				// Give output 1's first record output 0's last key: both
				// outputs hold that key (each output is still sorted).
				b := bytes.Clone(sorted[half:])
				copy(b[:KeySize], sorted[half-RecordSize:])
				write(sorted[:half], b)
			} else {
				write(sorted[:half], c.mutate(bytes.Clone(sorted[half:])))
			}
			_, err := Validate([]string{in}, outs)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%s record: Validate = %v, want error containing %q", c.name, err, c.want)
			}
		}
	})
}

// The generator is deterministic per seed and honours skew.
func TestGenerator(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		o := GenOptions{Records: 40000, Seed: 7, Skew: 0.25}
		a, b := GenerateRecords(o), GenerateRecords(o)
		if !bytes.Equal(a, b) {
			t.Fatal("same seed, different data")
		}
		p := filepath.Join(t.TempDir(), "g")
		if err := GenerateFile(p, o); err != nil {
			t.Fatal(err)
		}
		if c, _ := os.ReadFile(p); !bytes.Equal(a, c) {
			t.Fatal("GenerateFile differs from GenerateRecords")
		}
		hot := 0
		for off := 0; off < len(a); off += RecordSize {
			if a[off] == 0 && a[off+1] == 0 {
				hot++
			}
		}
		if f := float64(hot) / 40000; f < 0.23 || f > 0.27 {
			t.Fatalf("skew 0.25 gave %.3f hot keys", f)
		}
	})
}

// The CLI's YAML config: ids 0..N-1 in any order; mistakes are reported.
func TestClusterConfig(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "c.yaml")
		want := []string{"127.0.0.1:9000", "10.0.0.2:9001", "[::1]:9002"}
		if err := WriteCluster(p, want); err != nil {
			t.Fatal(err)
		}
		got, err := LoadCluster(p)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("round trip: %v, %v", got, err)
		}
		for _, bad := range []string{
			"servers: []",
			"servers: [{serverId: 1, host: a, port: 1}]",
			"servers: [{serverId: 0, host: a, port: 1}, {serverId: 0, host: b, port: 2}]",
			"servers: [{serverId: 0, host: a, port: 0}]",
			"servers: [{serverId: 0, host: '', port: 80}]",
			"servers: {",
		} {
			if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadCluster(p); err == nil {
				t.Fatalf("config %q accepted", bad)
			}
		}
		if err := os.WriteFile(p, []byte("servers:\n  - {serverId: 1, host: b, port: 2}\n  - {serverId: 0, host: a, port: 1}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := LoadCluster(p); err != nil || got[0] != "a:1" || got[1] != "b:2" {
			t.Fatalf("ids out of order: %v, %v", got, err)
		}
	})
}
