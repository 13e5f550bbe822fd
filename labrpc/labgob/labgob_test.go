package labgob

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type clean struct {
	A int
	B []string
	C map[string]int
}

type withLower struct {
	Good int
	bad  int
}

type nested struct {
	Items []withLowerDeep
}

type withLowerDeep struct {
	Name   string
	hidden string
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := clean{A: 7, B: []string{"x"}, C: map[string]int{"k": 1}}
	require.NoError(t, NewEncoder(&buf).Encode(in))
	require.NoError(t, NewEncoder(&buf).Encode(42))
	dec := NewDecoder(&buf)
	var out clean
	require.NoError(t, dec.Decode(&out))
	assert.Equal(t, in, out)
}

func TestLowerCaseFieldWarns(t *testing.T) {
	freshState(t) // types are reported once per process; -count reruns this test
	before := Warnings()
	var buf bytes.Buffer
	require.NoError(t, NewEncoder(&buf).Encode(withLower{Good: 1, bad: 2}))
	assert.Equal(t, before+1, Warnings(), "one warning for the lower-case field")
	require.NoError(t, NewEncoder(&buf).Encode(withLower{Good: 1}))
	assert.Equal(t, before+1, Warnings(), "a type is reported once")

	Register(nested{Items: []withLowerDeep{{Name: "n", hidden: "h"}}})
	assert.Equal(t, before+2, Warnings(), "a nested lower-case field is found through slices")

	var c clean
	require.NoError(t, NewEncoder(&buf).Encode(c))
	assert.Equal(t, before+2, Warnings(), "a clean type gives no warning")
}

func TestNonDefaultDecodeWarns(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, NewEncoder(&buf).Encode(clean{A: 0, B: []string{"y"}}))
	before := Warnings()
	out := clean{A: 5} // gob would leave A = 5 behind
	require.NoError(t, NewDecoder(&buf).Decode(&out))
	assert.Equal(t, before+1, Warnings())
	assert.Equal(t, 5, out.A, "this is the stale value the warning is about")
}

func TestDecodeErrorsAreReported(t *testing.T) {
	var out clean
	err := NewDecoder(bytes.NewReader([]byte{1, 2, 3})).Decode(&out)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "labgob: decode into *labgob.clean")
	// An interface value of an unregistered type cannot be encoded.
	type box struct{ V interface{} }
	err = NewEncoder(&bytes.Buffer{}).Encode(box{V: clean{}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "labgob: encode")
}

// Types that encode themselves (time.Time) have unexported fields gob never
// looks at: no warning.
func TestOwnEncodingNotWarned(t *testing.T) {
	type stamped struct {
		At time.Time
		N  int
	}
	before := Warnings()
	require.NoError(t, NewEncoder(&bytes.Buffer{}).Encode(stamped{At: time.Unix(5, 0)}))
	assert.Equal(t, before, Warnings())
}

// DecodeValue into a non-zero reply warns like Decode (the stale-reply bug).
func TestDecodeValueNonDefaultWarns(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, NewEncoder(&buf).Encode(clean{A: 0, B: []string{"y"}}))
	before := Warnings()
	out := clean{A: 5}
	require.NoError(t, NewDecoder(&buf).DecodeValue(reflect.ValueOf(&out)))
	assert.Equal(t, before+1, Warnings())
}
