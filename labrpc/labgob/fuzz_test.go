package labgob

import (
	"bytes"
	"testing"
)

// fuzzCommand travels inside an interface, like a service's command in a
// Raft log entry.
type fuzzCommand struct {
	Key, Value string
	Seq        int64
}

// fuzzEntry and fuzzState have the shape of a Raft peer's persisted state.
type fuzzEntry struct {
	Term    int
	Command interface{}
}

type fuzzState struct {
	Term     int
	VotedFor int
	Log      []fuzzEntry
	Snapshot []byte
	Dedup    map[int64]int64
}

func init() { Register(fuzzCommand{}) }

// FuzzDecode feeds arbitrary bytes to the Decoder, as a corrupted persister
// or a hostile peer would: decoding returns an error or a value, never
// panics, and a value it returns encodes and decodes again.
//
//	go test ./labrpc/labgob -run '^$' -fuzz FuzzDecode -fuzztime 30s -fuzzminimizetime 0
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	st := fuzzState{Term: 3, VotedFor: 1, Log: []fuzzEntry{{Term: 0}, {Term: 2, Command: fuzzCommand{"k", "v", 7}}, {Term: 3, Command: 42}},
		Snapshot: []byte("snap"), Dedup: map[int64]int64{5: 9}}
	if err := NewEncoder(&buf).Encode(st); err != nil {
		f.Fatal(err)
	}
	valid := buf.Bytes()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		var got fuzzState
		if err := NewDecoder(bytes.NewReader(data)).Decode(&got); err != nil {
			return
		}
		var again bytes.Buffer
		if err := NewEncoder(&again).Encode(got); err != nil {
			t.Fatalf("a decoded value does not encode: %v (%+v)", err, got)
		}
		var back fuzzState
		if err := NewDecoder(&again).Decode(&back); err != nil {
			t.Fatalf("a re-encoded value does not decode: %v", err)
		}
		if back.Term != got.Term || back.VotedFor != got.VotedFor || len(back.Log) != len(got.Log) || !bytes.Equal(back.Snapshot, got.Snapshot) {
			t.Fatalf("round trip changed the value: %+v -> %+v", got, back)
		}
	})
}
