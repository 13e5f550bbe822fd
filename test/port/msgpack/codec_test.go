package codec

import (
	"bytes"
	"reflect"
	"testing"
)

// A value encoded with a MsgpackHandle decodes to itself.
func TestRoundTrip(t *testing.T) {
	type record struct {
		Path   string
		Size   uint64
		Blocks []string
		IsDir  bool
	}
	in := record{Path: "/a/b", Size: 40, Blocks: []string{"x", "y"}}
	var buf bytes.Buffer
	var h MsgpackHandle
	if err := NewEncoder(&buf, &h).Encode(in); err != nil {
		t.Fatalf("encode: %v", err)
	}
	var out record
	if err := NewDecoder(&buf, &h).Decode(&out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("decoded %+v, want %+v", out, in)
	}
	if err := NewDecoder(bytes.NewReader([]byte("{")), &h).Decode(&out); err == nil {
		t.Fatalf("decoding a truncated value succeeded")
	}
}
