//solution:file

package distsort

// White-box tests of the reference internals (binning, local sort, spill,
// framing). The handout drops this file with the code it tests.

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// The radix/bucket sort agrees with a plain comparison sort, on small
// inputs (direct path) and large ones (bucketed, several workers).
func TestLocalSort(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		for _, o := range []GenOptions{
			{Records: 1000}, {Records: 20000}, {Records: 10000, Skew: 0.5}, {Records: 10000, DistinctKeys: 50},
		} {
			o.Seed = uint64(t.Seed)
			data := GenerateRecords(o)
			out := sortedRecords(data)
			want := sortedCopy(data)
			if !sameKeysAndMultiset(out, want) {
				t.Fatalf("%+v: local sort differs from comparison sort", o)
			}
		}
	})
}

// The sink spills sorted runs beyond its budget and merges them.
func TestSinkSpill(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		dir := t.TempDir()
		data := GenerateRecords(GenOptions{Records: 5000, Seed: uint64(t.Seed)})
		sk := newSink(binnerFor(EqualRanges(1), 0), 50*RecordSize, dir, 2, new(meters))
		rng := rand.New(rand.NewPCG(uint64(t.Seed), 1))
		for off := 0; off < len(data); {
			n := min(len(data)-off, RecordSize*(1+rng.IntN(300)))
			if err := sk.write(data[off : off+n]); err != nil {
				t.Fatal(err)
			}
			off += n
		}
		if len(sk.runs) < 90 {
			t.Fatalf("%d runs for 5000 records under a 50-record budget", len(sk.runs))
		}
		writeOutputFile(t, sk, filepath.Join(dir, "out"))
		sk.removeRuns()
		out, err := os.ReadFile(filepath.Join(dir, "out"))
		if err != nil {
			t.Fatal(err)
		}
		if !sameKeysAndMultiset(out, sortedCopy(data)) {
			t.Fatal("merged output differs from comparison sort")
		}
		ents, _ := os.ReadDir(dir)
		if len(ents) != 1 {
			t.Fatalf("run files left behind: %d entries", len(ents))
		}
	})
}

func TestFrames(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		var b bytes.Buffer
		h := hello{from: 3, n: 7, mode: SplitSample}
		if err := writeFrame(&b, frameHello, h.encode()); err != nil {
			t.Fatal(err)
		}
		if err := writeU64Frame(&b, frameEnd, 42); err != nil {
			t.Fatal(err)
		}
		typ, p, err := readFrame(&b, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decodeHello(typ, p); err != nil || got != h {
			t.Fatalf("hello round trip: %+v, %v", got, err)
		}
		typ, p, err = readFrame(&b, make([]byte, 3))
		if v, err2 := u64Payload(typ, p); err != nil || err2 != nil || typ != frameEnd || v != 42 {
			t.Fatalf("end frame round trip: %q %d %v %v", typ, v, err, err2)
		}
		if _, _, err := readFrame(bytes.NewReader([]byte{frameData, 0xff, 0, 0, 0}), nil); err == nil {
			t.Fatal("oversized frame accepted")
		}
		if _, _, err := readFrame(bytes.NewReader([]byte{frameData, 0, 0, 0, 9, 1}), nil); err == nil {
			t.Fatal("truncated frame accepted")
		}
		if _, err := decodeHello(frameHello, []byte("GET / HTTP/1.1")); err == nil {
			t.Fatal("garbage hello accepted")
		}
	})
}

// Positions inside a server's range are monotone in the key, so bins and
// sub-buckets come out in key order, for equal ranges and for splitters.
func TestBinnerMonotone(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		data := sortedCopy(GenerateRecords(GenOptions{Records: 20000, Seed: uint64(t.Seed), Skew: 0.3}))
		parts := []*Partitioner{EqualRanges(1), EqualRanges(3), EqualRanges(8),
			SplittersFromSamples(SampleKeys(data, 100), 5)}
		for _, p := range parts {
			bns := make([]*binner, p.N())
			last := make([]uint32, p.N())
			for i := range bns {
				bns[i] = binnerFor(p, i)
			}
			for off := 0; off < len(data); off += RecordSize {
				d := p.Dest(data[off:])
				pos := bns[d].pos(keyHi(data[off:]))
				if pos < last[d] || uint64(pos) >= 1<<posBits {
					t.Fatalf("n=%d server %d: position %d after %d", p.N(), d, pos, last[d])
				}
				last[d] = pos
			}
			for i, l := range last {
				if p.hi == nil && p.N() > 1 && uint64(l) < 1<<posBits-1<<posBits/100 {
					t.Fatalf("n=%d server %d: positions only reach %d of %d", p.N(), i, l, uint64(1)<<posBits)
				}
			}
		}
	})
}

// With Config.Meter every byte lands in its phases: each server reads its
// input, sorts and writes what it kept (or spills and merges it beyond the
// budget), and what all servers sent is what all received. On Linux the
// phases' clocks run (elsewhere they count virtual time here).
func TestMeteredPhases(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		for _, budget := range []int64{0, 20000} {
			cr := runCluster(t, clusterOpts{n: 3, records: func(i int) int64 { return 3000 + 500*int64(i) }, budget: budget, meter: true})
			cr.mustSucceed(t)
			var sent, received int64
			var cpu time.Duration
			for i, r := range cr.results {
				ph, kept := r.Phases, r.Received*RecordSize
				sent += ph.Send.Bytes
				received += ph.Receive.Bytes
				cpu += ph.Read.CPU + ph.Partition.CPU + ph.Bin.CPU
				if ph.Read.Bytes != r.Read*RecordSize || ph.Partition.Bytes != r.Read*RecordSize || ph.Bin.Bytes != kept {
					t.Fatalf("budget %d, server %d: read %d, partition %d, bin %d bytes; input %d, kept %d",
						budget, i, ph.Read.Bytes, ph.Partition.Bytes, ph.Bin.Bytes, r.Read*RecordSize, kept)
				}
				if budget == 0 && (ph.Sort.Bytes != kept || ph.Write.Bytes != kept || ph.Spill.Bytes != 0) {
					t.Fatalf("server %d: sort %d, write %d, spill %d bytes; kept %d", i, ph.Sort.Bytes, ph.Write.Bytes, ph.Spill.Bytes, kept)
				}
				if budget > 0 && (ph.Merge.Bytes != kept || ph.Spill.Bytes < kept || ph.Write.Bytes != 0) {
					t.Fatalf("server %d: merge %d, spill %d, write %d bytes; kept %d", i, ph.Merge.Bytes, ph.Spill.Bytes, ph.Write.Bytes, kept)
				}
			}
			if sent != received || sent == 0 {
				t.Fatalf("budget %d: %d bytes sent, %d received", budget, sent, received)
			}
			if runtime.GOOS == "linux" && cpu <= 0 {
				t.Fatalf("budget %d: no CPU time metered", budget)
			}
		}
	})
}

// sameKeysAndMultiset reports whether got has want's key sequence and the
// same records (records with equal keys may come in any order).
func sameKeysAndMultiset(got, want []byte) bool {
	if len(got) != len(want) {
		return false
	}
	for off := 0; off < len(got); off += RecordSize {
		if CompareKeys(got[off:], want[off:]) != 0 {
			return false
		}
	}
	g, w := summarize(got), summarize(want)
	return g == w
}

func summarize(data []byte) Summary {
	dir, _ := os.MkdirTemp("", "sum")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		panic(err)
	}
	info, err := ScanFile(p)
	if err != nil {
		panic(err)
	}
	return info.Summary
}

// writeOutputFile writes sk's sorted output to a new file at path, as Run
// does with the output's temporary file.
func writeOutputFile(tb testing.TB, sk *sink, path string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := sk.writeOutput(f); err != nil {
		tb.Fatal(err)
	}
}
