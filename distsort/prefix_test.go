package distsort

import (
	"cmp"
	"os"
	"testing"

	"distlabs/test/labtest"
)

// writePrefixInput writes n records to path whose keys share one of a few
// long prefixes and differ only in their last bytes: the first
// KeySize-tail key bytes come from the first nprefix of three fixed
// prefixes, the last tail bytes are random.
// Each value starts with the record's serial number, so records with equal
// keys stay distinguishable to the validator.
func writePrefixInput(t *labtest.T, path string, n, nprefix, tail int, serial0 int) {
	t.Helper()
	prefixes := [][]byte{
		{0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a},
		{0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
		{0xc3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	data := make([]byte, n*RecordSize)
	for i := range n {
		rec := data[i*RecordSize : (i+1)*RecordSize]
		copy(rec, prefixes[t.Rand.IntN(nprefix)])
		for b := KeySize - tail; b < KeySize; b++ {
			rec[b] = byte(t.Rand.IntN(256))
		}
		s := serial0 + i
		rec[KeySize], rec[KeySize+1], rec[KeySize+2] = byte(s>>16), byte(s>>8), byte(s)
		for b := KeySize + 3; b < RecordSize; b++ {
			rec[b] = 'a' + byte(b%26)
		}
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSharedKeyPrefixes checks that the whole 10-byte key orders records,
// down to its last byte.
//
// Spec "Records": keys are compared as unsigned 80-bit big-endian integers,
// i.e. bytewise over all ten bytes. Random keys almost never tie on their
// first eight bytes, so a sort or a partitioner that looks only at a
// machine word (or forgets the last byte) passes the other tests; here the
// keys agree on their first eight or nine bytes. Covered: one server (local
// sort), equal ranges (every record of a prefix on one server), sampled
// splitters (splitters that differ only in the last bytes must route by
// them, or one server receives every record of a prefix: spec
// "Partitioning", sampled splitters balance) and a memory budget small
// enough to spill and merge runs.
func TestSharedKeyPrefixes(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: keys that differ only in their last bytes")
		records := 0
		for _, tc := range []struct {
			n, prefixes, tail int
			split             SplitMode
			budget            int64
			perServer         int // records per server; 0: 1500
		}{
			// A handful of records with one prefix: they end up in one
			// small bucket, which a sort may order by another method
			// than the large ones (the reference: insertion sort).
			{n: 1, prefixes: 1, tail: 2, perServer: 24},
			{n: 1, prefixes: 3, tail: 2},
			{n: 1, prefixes: 3, tail: 1},
			{n: 3, prefixes: 3, tail: 2},
			{n: 4, prefixes: 3, tail: 1, split: SplitSample},
			{n: 4, prefixes: 1, tail: 2, split: SplitSample},
			{n: 2, prefixes: 3, tail: 2, budget: 20000},
		} {
			perServer := cmp.Or(tc.perServer, 1500)
			cr := runCluster(t, clusterOpts{n: tc.n, split: tc.split, budget: tc.budget,
				input: func(t *labtest.T, i int, path string) {
					writePrefixInput(t, path, perServer, tc.prefixes, tc.tail, i*perServer)
				}})
			rep := cr.mustSucceed(t)
			if tc.split != SplitSample {
				cr.checkRanges(t)
			} else if tc.prefixes == 1 && rep.Imbalance() > 1.25 {
				t.Fatalf("sampled splitters, keys equal but for the last %d bytes: imbalance %.2f (counts %v), want <= 1.25",
					tc.tail, rep.Imbalance(), rep.OutputRecords)
			}
			records += int(rep.Outputs.Records)
		}
		t.Passed(4, 0, 0, records)
	})
}
