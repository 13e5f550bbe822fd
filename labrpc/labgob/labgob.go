// Package labgob wraps encoding/gob for RPC arguments, replies and persisted
// state, and catches the two mistakes that make gob silently lose data:
//
//   - a struct field whose name starts with a lower-case letter is not
//     encoded at all; labgob reports every such field the first time it sees
//     a type (through Register, an Encoder or a Decoder);
//   - gob does not overwrite a field with its zero value, so decoding into a
//     variable that already holds data can leave stale values behind; labgob
//     warns the first time a decode target is not zero-valued.
//
// Use it exactly like encoding/gob:
//
//	w := new(bytes.Buffer)
//	e := labgob.NewEncoder(w)
//	if err := e.Encode(rf.currentTerm); err != nil { ... }
//
// Warnings go to the standard logger (and are counted, see Warnings), so a
// student sees them in the test output next to the failure they cause.
package labgob

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"io"
	"log"
	"reflect"
	"sync"
	"unicode"
	"unicode/utf8"
)

// An Encoder writes gob-encoded values after checking their types.
type Encoder struct {
	gob *gob.Encoder
}

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{gob: gob.NewEncoder(w)}
}

// Encode checks e's type for unexported fields (once per type) and encodes it.
func (enc *Encoder) Encode(e interface{}) error {
	checkValue(e)
	if err := enc.gob.Encode(e); err != nil {
		return fmt.Errorf("labgob: encode %T: %w", e, err)
	}
	return nil
}

// EncodeValue is Encode for a reflect.Value.
func (enc *Encoder) EncodeValue(value reflect.Value) error {
	if value.IsValid() {
		checkType(value.Type())
	}
	if err := enc.gob.EncodeValue(value); err != nil {
		return fmt.Errorf("labgob: encode %v: %w", value.Type(), err)
	}
	return nil
}

// A Decoder reads gob-encoded values and warns about non-zero targets.
type Decoder struct {
	gob *gob.Decoder
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{gob: gob.NewDecoder(r)}
}

// Decode checks e's type and current value, then decodes the next value into
// e, which must be a pointer (or nil to discard the value).
func (dec *Decoder) Decode(e interface{}) error {
	if e != nil {
		checkValue(e)
		checkDefault(e)
	}
	if err := dec.gob.Decode(e); err != nil {
		if err == io.EOF {
			return err // callers test for a clean end of stream
		}
		return fmt.Errorf("labgob: decode into %T: %w", e, err)
	}
	return nil
}

// DecodeValue is Decode for a reflect.Value (which must be a settable
// value or a pointer).
func (dec *Decoder) DecodeValue(v reflect.Value) error {
	if v.IsValid() {
		checkType(v.Type())
		if v.Kind() == reflect.Pointer {
			checkDefault(v.Interface())
		}
	}
	if err := dec.gob.DecodeValue(v); err != nil {
		if err == io.EOF {
			return err
		}
		return fmt.Errorf("labgob: decode into %v: %w", v.Type(), err)
	}
	return nil
}

// Register records a concrete type that may travel inside an interface
// value (for example a command in a Raft log entry).
func Register(value interface{}) {
	checkValue(value)
	gob.Register(value)
}

// RegisterName is Register with an explicit name.
func RegisterName(name string, value interface{}) {
	checkValue(value)
	gob.RegisterName(name, value)
}

var (
	mu       sync.Mutex
	checked  = map[reflect.Type]bool{}
	warnings int
	warnedZ  bool
)

// Warnings reports how many problems labgob has reported so far in this
// process (unexported fields plus non-default decode targets). Tests use it
// to assert that a type is clean.
func Warnings() int {
	mu.Lock()
	defer mu.Unlock()
	return warnings
}

func checkValue(value interface{}) {
	if value == nil {
		return
	}
	checkType(reflect.TypeOf(value))
}

// checkType walks t once and reports every unexported struct field reachable
// from it, since gob drops those without a word.
func checkType(t reflect.Type) {
	mu.Lock()
	defer mu.Unlock()
	walkType(t, t.String())
}

// walkType must be called with mu held.
func walkType(t reflect.Type, path string) {
	if checked[t] {
		return
	}
	checked[t] = true
	if ownEncoding(t) {
		return // gob calls its own encoder (time.Time, big.Int...): its fields are its business
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			r, _ := utf8.DecodeRuneInString(f.Name)
			if !unicode.IsUpper(r) {
				warnings++
				log.Printf("labgob: %s.%s is unexported (reached through %s): gob silently skips it, "+
					"so it never crosses an RPC and is never persisted; capitalise the name", t, f.Name, path)
				continue
			}
			walkType(f.Type, path+"."+f.Name)
		}
	case reflect.Slice, reflect.Array, reflect.Pointer:
		walkType(t.Elem(), path+"[]")
	case reflect.Map:
		walkType(t.Key(), path+"{key}")
		walkType(t.Elem(), path+"{value}")
	}
}

var (
	gobEncoderType    = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalType = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshalType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// ownEncoding reports whether gob encodes t through a method of t (or *t)
// rather than field by field.
func ownEncoding(t reflect.Type) bool {
	for _, it := range []reflect.Type{gobEncoderType, binaryMarshalType, textMarshalType} {
		if t.Implements(it) || reflect.PointerTo(t).Implements(it) {
			return true
		}
	}
	return false
}

// checkDefault warns (once per process) when a decode target already holds
// a non-zero value: gob skips zero values when encoding, so the target's
// old contents survive wherever the sender had a zero.
func checkDefault(value interface{}) {
	v := reflect.ValueOf(value)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	if path, ok := nonZero(v.Elem(), ""); ok {
		mu.Lock()
		defer mu.Unlock()
		warnings++
		if !warnedZ {
			warnedZ = true
			log.Printf("labgob: decode target %T%s already holds data; where the encoded value is zero "+
				"gob leaves the old contents in place, so use a freshly declared variable (reported once)", value, path)
		}
	}
}

// nonZero reports whether v (or, for a struct, one of its exported fields)
// is non-zero, with the path to the first such field.
func nonZero(v reflect.Value, path string) (string, bool) {
	if v.Kind() == reflect.Struct {
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if p, ok := nonZero(v.Field(i), path+"."+f.Name); ok {
				return p, true
			}
		}
		return "", false
	}
	return path, !v.IsZero()
}
