package labrpc

import (
	"bytes"
	"reflect"
	"testing"

	"distlabs/labrpc/labgob"
)

type benchArgs struct {
	Term, LeaderID, PrevLogIndex int
	Entries                      []string
}

// The two benchmarks below compare the argument copy labrpc does
// (long-lived gob streams, kept per type pair) with a fresh encoder and
// decoder per message, the straightforward design. Run them side by side:
//
//	go test -run XXX -bench Copy -benchmem ./labrpc
func BenchmarkCopyPooled(b *testing.B) {
	args := benchArgs{Term: 3, LeaderID: 1, PrevLogIndex: 10, Entries: []string{"a", "b"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst := reflect.New(reflect.TypeOf(args))
		if _, err := copyValue(args, dst, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCopyFresh(b *testing.B) {
	args := benchArgs{Term: 3, LeaderID: 1, PrevLogIndex: 10, Entries: []string{"a", "b"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := labgob.NewEncoder(&buf).Encode(args); err != nil {
			b.Fatal(err)
		}
		var dst benchArgs
		if err := labgob.NewDecoder(&buf).Decode(&dst); err != nil {
			b.Fatal(err)
		}
	}
}
