package labrpc

import (
	"reflect"
	"testing"
)

// Types no other test copies, so their codec list starts empty.
type keptArgs struct{ X int }
type bigArgs struct{ Data []byte }

// An idle codec is kept for the next copy of its type pair (a new one
// resends and recompiles the type descriptions), keeps no large buffer,
// and a type pair keeps at most maxIdleCodecs of them.
func TestCodecsKeptAndBounded(t *testing.T) {
	copyOnce := func(src any) {
		t.Helper()
		dst := reflect.New(reflect.TypeOf(src))
		if _, err := copyValue(src, dst, "test"); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dst.Elem().Interface(), src) {
			t.Fatalf("copied %v into %v", src, dst.Elem().Interface())
		}
	}
	kept := codecsFor(reflect.TypeOf(keptArgs{}), reflect.TypeOf(&keptArgs{}))
	copyOnce(keptArgs{X: 1})
	if len(kept.idle) != 1 {
		t.Fatalf("after one copy %d codecs are idle, want 1", len(kept.idle))
	}
	first := kept.idle[0]
	copyOnce(keptArgs{X: 2})
	if len(kept.idle) != 1 || kept.idle[0] != first {
		t.Fatalf("the second copy did not reuse the idle codec")
	}

	big := codecsFor(reflect.TypeOf(bigArgs{}), reflect.TypeOf(&bigArgs{}))
	copyOnce(bigArgs{Data: make([]byte, 2*maxIdleBuffer)})
	if len(big.idle) != 1 || big.idle[0].buf.Cap() > maxIdleBuffer {
		t.Fatalf("an idle codec keeps a %d-byte buffer after a large message (limit %d)", big.idle[0].buf.Cap(), maxIdleBuffer)
	}
	copyOnce(bigArgs{Data: []byte("small, through the same codec")})

	var many []*codec
	for range maxIdleCodecs + 5 {
		many = append(many, kept.get())
	}
	for _, c := range many {
		kept.put(c)
	}
	if len(kept.idle) != maxIdleCodecs {
		t.Fatalf("%d idle codecs kept, want at most %d", len(kept.idle), maxIdleCodecs)
	}
}
