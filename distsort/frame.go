//solution:file

package distsort

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
)

// Frame types; see the package documentation for the wire format.
const (
	frameHello  byte = 'H'
	frameSample byte = 'S'
	frameData   byte = 'D'
	frameEnd    byte = 'E'
	frameCommit byte = 'C'
)

const (
	frameHeader   = 5 // type byte + 4-byte length
	helloMagic    = "DSRT"
	helloVersion  = 2
	proofSize     = sha256.Size
	helloSize     = len(helloMagic) + 1 + 4 + 4 + 1 + proofSize
	batchRecords  = 2621 // records per data frame (about 256 KiB)
	batchCapacity = frameHeader + batchRecords*RecordSize
	// maxFramePay bounds every frame's payload: the largest frame a server
	// sends is a full data batch, so the documented 256 KB receive buffer
	// per peer is all a peer can make us allocate.
	maxFramePay = batchRecords * RecordSize
	// maxSampleKeys bounds a sample frame to maxFramePay.
	maxSampleKeys = maxFramePay / KeySize
)

// putHeader writes a frame header into the first frameHeader bytes of b.
func putHeader(b []byte, typ byte, n int) {
	b[0] = typ
	binary.BigEndian.PutUint32(b[1:frameHeader], uint32(n))
}

// writeFrame writes one frame with the given payload.
func writeFrame(w io.Writer, typ byte, payload []byte) error {
	buf := make([]byte, frameHeader+len(payload))
	putHeader(buf, typ, len(payload))
	copy(buf[frameHeader:], payload)
	_, err := w.Write(buf)
	return err
}

// writeU64Frame writes a frame whose payload is one 8-byte integer.
func writeU64Frame(w io.Writer, typ byte, v uint64) error {
	var p [8]byte
	binary.BigEndian.PutUint64(p[:], v)
	return writeFrame(w, typ, p[:])
}

// readFrame reads one frame, reusing buf for the payload when it is large
// enough. It returns the type and the payload.
func readFrame(r io.Reader, buf []byte) (byte, []byte, error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[1:])
	if n > maxFramePay {
		return 0, nil, fmt.Errorf("frame of %d bytes exceeds the %d-byte limit", n, maxFramePay)
	}
	if int(n) > cap(buf) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return h[0], buf, nil
}

// readHello reads the first frame of an accepted connection. It checks the
// header before allocating anything, so a connection that is not a peer
// (or claims a huge first frame) costs a few bytes, not a frame buffer.
func readHello(r io.Reader) (hello, error) {
	var b [frameHeader + helloSize]byte
	if _, err := io.ReadFull(r, b[:frameHeader]); err != nil {
		return hello{}, err
	}
	if b[0] != frameHello || binary.BigEndian.Uint32(b[1:frameHeader]) != uint32(helloSize) {
		return hello{}, fmt.Errorf("not a distsort hello frame")
	}
	if _, err := io.ReadFull(r, b[frameHeader:]); err != nil {
		return hello{}, err
	}
	return decodeHello(frameHello, b[frameHeader:])
}

// u64Payload decodes the payload of an end or commit frame.
func u64Payload(typ byte, p []byte) (uint64, error) {
	if len(p) != 8 {
		return 0, fmt.Errorf("frame %q: payload of %d bytes, want 8", typ, len(p))
	}
	return binary.BigEndian.Uint64(p), nil
}

// hello is the first frame on every connection. Its proof is an HMAC of
// the other fields keyed with the run's token (Config.Token), so only a
// process that knows the token can claim to be a peer.
type hello struct {
	from, n int
	mode    SplitMode
	proof   [proofSize]byte
}

const helloSigned = helloSize - proofSize // bytes the proof covers

func (h hello) encode() []byte {
	b := make([]byte, helloSize)
	copy(b, helloMagic)
	b[4] = helloVersion
	binary.BigEndian.PutUint32(b[5:], uint32(h.from))
	binary.BigEndian.PutUint32(b[9:], uint32(h.n))
	b[13] = byte(h.mode)
	copy(b[helloSigned:], h.proof[:])
	return b
}

// signed returns h with its proof made from token.
func (h hello) signed(token []byte) hello {
	b := h.encode()
	mac := hmac.New(sha256.New, token)
	mac.Write(b[:helloSigned]) // a hash never fails to write
	copy(h.proof[:], mac.Sum(nil))
	return h
}

// verify reports whether h's proof was made with token.
func (h hello) verify(token []byte) bool {
	want := h.signed(token)
	return hmac.Equal(want.proof[:], h.proof[:])
}

func decodeHello(typ byte, p []byte) (hello, error) {
	if typ != frameHello || len(p) != helloSize || string(p[:4]) != helloMagic {
		return hello{}, fmt.Errorf("not a distsort hello frame")
	}
	if p[4] != helloVersion {
		return hello{}, fmt.Errorf("protocol version %d, want %d", p[4], helloVersion)
	}
	h := hello{
		from: int(binary.BigEndian.Uint32(p[5:])),
		n:    int(binary.BigEndian.Uint32(p[9:])),
		mode: SplitMode(p[13]),
	}
	copy(h.proof[:], p[helloSigned:])
	return h, nil
}
