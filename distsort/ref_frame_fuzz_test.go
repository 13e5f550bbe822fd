//solution:file

package distsort

import (
	"bytes"
	"testing"
)

// FuzzReadFrame feeds arbitrary bytes to the frame reader, as a confused or
// hostile peer would: every frame it returns respects the payload bound and
// survives a write/read round trip; hello, end and commit payloads decode or
// fail with an error, never a panic; a hello that decodes encodes back to
// the same bytes.
//
//	go test ./distsort -run '^$' -fuzz FuzzReadFrame -fuzztime 30s -fuzzminimizetime 0
func FuzzReadFrame(f *testing.F) {
	var stream bytes.Buffer
	for _, fr := range []struct {
		typ byte
		p   []byte
	}{
		{frameHello, hello{from: 1, n: 4, mode: SplitSample}.encode()},
		{frameSample, make([]byte, 2*KeySize)},
		{frameData, make([]byte, 3*RecordSize)},
		{frameEnd, []byte{0, 0, 0, 0, 0, 0, 0, 3}},
		{frameCommit, []byte{0, 0, 0, 0, 0, 0, 0, 5}},
	} {
		if err := writeFrame(&stream, fr.typ, fr.p); err != nil {
			f.Fatal(err)
		}
	}
	f.Add(stream.Bytes())
	f.Add(stream.Bytes()[:7])
	f.Add([]byte{'D', 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{'H', 0, 0, 0, 14, 'D', 'S', 'R', 'T', 9, 0, 0, 0, 1, 0, 0, 0, 2, 0}) // another version
	f.Add([]byte{'H', 0, 0, 0, 14, 'D', 'S', 'R', 'X', 1, 0, 0, 0, 1, 0, 0, 0, 2, 0}) // bad magic
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		buf := make([]byte, 0, 64)
		for frames := 0; frames < 64; frames++ {
			typ, p, err := readFrame(r, buf)
			if err != nil {
				return
			}
			if len(p) > maxFramePay {
				t.Fatalf("frame %q of %d bytes passed the %d-byte bound", typ, len(p), maxFramePay)
			}
			var out bytes.Buffer
			if err := writeFrame(&out, typ, p); err != nil {
				t.Fatal(err)
			}
			typ2, p2, err := readFrame(&out, nil)
			if err != nil || typ2 != typ || !bytes.Equal(p2, p) {
				t.Fatalf("round trip of frame %q (%d bytes): got %q (%d bytes), %v", typ, len(p), typ2, len(p2), err)
			}
			switch typ {
			case frameHello:
				if h, err := decodeHello(typ, p); err == nil && !bytes.Equal(h.encode(), p) {
					t.Fatalf("hello %x decodes to %+v, which encodes to %x", p, h, h.encode())
				}
			case frameEnd, frameCommit:
				if _, err := u64Payload(typ, p); err == nil && len(p) != 8 {
					t.Fatalf("u64 payload of %d bytes accepted", len(p))
				}
			}
		}
	})
}
