package labrpc

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"

	"distlabs/labrpc/labgob"
)

// Arguments and replies cross the simulated network as bytes, so the caller
// and the handler never share memory and a type gob cannot carry fails here
// as it would on a real wire.
//
// A fresh gob encoder and decoder per message would resend and recompile the
// type description every time, which dominates the cost of a call. Instead a
// codec is a long-lived encoder/decoder pair over one buffer: a value is
// encoded and immediately decoded, so type descriptions travel once per
// codec. Codecs are kept per (source type, destination type).

type codec struct {
	buf bytes.Buffer
	enc *labgob.Encoder
	dec *labgob.Decoder
}

type codecKey struct{ from, to reflect.Type }

// codecList holds the idle codecs of one type pair. It is not a
// sync.Pool: under the race detector a pool drops a quarter of what is put
// back (on purpose, to shake out reuse bugs) and every collection empties
// it, and each codec made anew resent and recompiled its type
// descriptions: a quarter of chord's CPU under -race went to that.
type codecList struct {
	mu   sync.Mutex
	idle []*codec
}

const (
	// maxIdleCodecs bounds a type pair's idle codecs: more than the
	// copies of one type that are ever under way at once.
	maxIdleCodecs = 64
	// maxIdleBuffer is the largest buffer an idle codec keeps, so that one
	// large message does not pin its buffer's memory for good.
	maxIdleBuffer = 64 << 10
)

var codecLists sync.Map // codecKey -> *codecList

func codecsFor(from, to reflect.Type) *codecList {
	k := codecKey{from, to}
	if l, ok := codecLists.Load(k); ok {
		return l.(*codecList)
	}
	l, _ := codecLists.LoadOrStore(k, &codecList{})
	return l.(*codecList)
}

// get returns an idle codec, or a new one.
func (l *codecList) get() *codec {
	l.mu.Lock()
	if n := len(l.idle); n > 0 {
		c := l.idle[n-1]
		l.idle = l.idle[:n-1]
		l.mu.Unlock()
		return c
	}
	l.mu.Unlock()
	c := &codec{}
	c.enc = labgob.NewEncoder(&c.buf)
	c.dec = labgob.NewDecoder(&c.buf)
	return c
}

// put keeps c, whose buffer is empty, for the next copy of its type pair.
func (l *codecList) put(c *codec) {
	if c.buf.Cap() > maxIdleBuffer {
		// The stream is between messages, so a fresh buffer loses
		// nothing the encoder and decoder still need.
		c.buf = bytes.Buffer{}
	}
	l.mu.Lock()
	if len(l.idle) < maxIdleCodecs {
		l.idle = append(l.idle, c)
	}
	l.mu.Unlock()
}

// copyValue deep-copies src into dst (a pointer) through gob and returns the
// number of bytes src encoded to. what names the value in error messages.
func copyValue(src interface{}, dst reflect.Value, what string) (int, error) {
	codecs := codecsFor(reflect.TypeOf(src), dst.Type())
	c := codecs.get()
	if err := c.enc.Encode(src); err != nil {
		// A failed encode may leave half a message in the stream: drop the codec.
		return 0, fmt.Errorf("labrpc: cannot encode %s (%T): %w", what, src, err)
	}
	n := valueBytes(c.buf.Bytes())
	if err := c.dec.DecodeValue(dst); err != nil {
		return 0, fmt.Errorf("labrpc: cannot decode %s into %v: %w", what, dst.Type(), err)
	}
	if c.buf.Len() != 0 {
		return 0, fmt.Errorf("labrpc: decoding %s left %d bytes behind", what, c.buf.Len())
	}
	codecs.put(c)
	return n, nil
}

// valueBytes returns the size of the value messages in a gob stream
// fragment, leaving out type definitions: whether a codec has sent a type
// before depends on which pooled codec a call drew, and counts (progress
// lines, GetTotalBytes, traces) must not depend on that. Gob frames each
// message as a length then a type id, negative for a type definition.
func valueBytes(b []byte) int {
	total := 0
	for len(b) > 0 {
		n, k := gobUint(b)
		if k == 0 || uint64(len(b)-k) < n {
			return total + len(b) // not a frame we understand: count it all
		}
		msg := b[k : k+int(n)]
		if id, j := gobUint(msg); j > 0 && id&1 == 0 { // low bit set: negative id
			total += k + int(n)
		}
		b = b[k+int(n):]
	}
	return total
}

// gobUint decodes gob's unsigned integer (one byte below 128; otherwise the
// negated byte count, then big-endian bytes) and returns it with the number
// of bytes read, or 0 bytes if b is too short.
func gobUint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	if b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	size := int(-int8(b[0]))
	if size > 8 || len(b) < 1+size {
		return 0, 0
	}
	var x uint64
	for _, c := range b[1 : 1+size] {
		x = x<<8 | uint64(c)
	}
	return x, 1 + size
}
