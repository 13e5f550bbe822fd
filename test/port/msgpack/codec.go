package codec

import (
	"encoding/json"
	"fmt"
	"io"
)

// MsgpackHandle selects the format; it has no options here.
type MsgpackHandle struct{}

// Encoder writes values to a stream.
type Encoder struct{ enc *json.Encoder }

// Decoder reads values from a stream.
type Decoder struct{ dec *json.Decoder }

// NewEncoder returns an Encoder that writes to w.
func NewEncoder(w io.Writer, _ *MsgpackHandle) *Encoder {
	return &Encoder{enc: json.NewEncoder(w)}
}

// NewDecoder returns a Decoder that reads from r.
func NewDecoder(r io.Reader, _ *MsgpackHandle) *Decoder {
	return &Decoder{dec: json.NewDecoder(r)}
}

// Encode writes v.
func (e *Encoder) Encode(v any) error {
	if err := e.enc.Encode(v); err != nil {
		return fmt.Errorf("codec: encode %T: %w", v, err)
	}
	return nil
}

// Decode reads the next value into v, a pointer.
func (d *Decoder) Decode(v any) error {
	if err := d.dec.Decode(v); err != nil {
		return fmt.Errorf("codec: decode into %T: %w", v, err)
	}
	return nil
}
