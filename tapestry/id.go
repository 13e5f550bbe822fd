package tapestry

import (
	"crypto/sha1"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// MaxDigits is the most digits an ID can have: the length of the ID array.
// Only the first DIGITS of them are used.
const MaxDigits = 40

// The course's knobs. DIGITS and BASE are variables so that tests can use
// small IDs (the course's tests set DIGITS to 4); set them before starting
// any node and leave them alone while nodes run.
var (
	// BASE is the base of a digit of an ID (hex by default).
	BASE = 16
	// DIGITS is the number of digits of an ID, at most MaxDigits.
	DIGITS = 40
)

const (
	// SLOTSIZE is how many nodes a routing-table slot keeps: the closest
	// ones, so that routing has fallbacks when one fails.
	SLOTSIZE = 3
	// RETRIES is how many times an operation that routes through the mesh
	// (publish, lookup, join) is tried before it gives up.
	RETRIES = 3
)

// Timing of object location. Variables so that tests can shorten them.
var (
	// REPUBLISH is how often a node that stores an object registers it
	// again with the object's root.
	REPUBLISH = 10 * time.Second
	// TIMEOUT is how long a root keeps a location entry that was not
	// registered again.
	TIMEOUT = 25 * time.Second
)

// Digit is one digit of an ID, in [0, BASE).
type Digit uint8

// ID identifies a node or an object: DIGITS digits, most significant first.
// Digits past DIGITS are zero.
type ID [MaxDigits]Digit

// String is the ID's digits in hex, one character per digit when BASE is at
// most 16 (two otherwise).
func (id ID) String() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 2*DIGITS)
	for i := 0; i < DIGITS; i++ {
		if BASE > 16 {
			b = append(b, hex[id[i]>>4])
		}
		b = append(b, hex[id[i]&15])
	}
	return string(b)
}

// ParseID reads an ID written by String.
func ParseID(s string) (ID, error) {
	var id ID
	width := 1
	if BASE > 16 {
		width = 2
	}
	if len(s) != DIGITS*width {
		return id, fmt.Errorf("parse ID %q: want %d characters, got %d", s, DIGITS*width, len(s))
	}
	for i := 0; i < DIGITS; i++ {
		d := 0
		for _, c := range []byte(s[i*width : (i+1)*width]) {
			v := strings.IndexByte("0123456789abcdef", c)
			if v < 0 {
				return id, fmt.Errorf("parse ID %q: %q is not a hex digit", s, c)
			}
			d = d*16 + v
		}
		if d >= BASE {
			return id, fmt.Errorf("parse ID %q: digit %d is %d, not below BASE %d", s, i, d, BASE)
		}
		id[i] = Digit(d)
	}
	return id, nil
}

// Hash turns a key (or an address) into an ID: the first DIGITS base-BASE
// digits of its SHA-1, taken as a big number.
func Hash(key string) ID {
	sum := sha1.Sum([]byte(key))
	n := new(big.Int).SetBytes(sum[:])
	var id ID
	base := big.NewInt(int64(BASE))
	d := new(big.Int)
	// The least significant digits are the number's remainders: fill
	// from the end so that the digits kept are the most significant
	// ones of a DIGITS-digit number.
	n.Mod(n, new(big.Int).Exp(base, big.NewInt(int64(DIGITS)), nil))
	for i := DIGITS - 1; i >= 0; i-- {
		n.DivMod(n, base, d)
		id[i] = Digit(d.Int64())
	}
	return id
}

// SharedPrefixLength is how many leading digits a and b have in common.
func SharedPrefixLength(a, b ID) int {
	//solution:begin A
	for i := 0; i < DIGITS; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return DIGITS
	//solution:stub
	// // Your code here (A).
	// return 0
	//solution:end
}

// Closer reports whether first is strictly closer to id than second, by the
// absolute difference of the IDs as numbers (the course's distance).
func (id ID) Closer(first, second ID) bool {
	//solution:begin A
	if small() {
		return absDiff(id.small(), first.small()) < absDiff(id.small(), second.small())
	}
	a := new(big.Int).Sub(id.Big(), first.Big())
	b := new(big.Int).Sub(id.Big(), second.Big())
	return a.CmpAbs(b) < 0
	//solution:stub
	// // Your code here (A).
	// return false
	//solution:end
}

// Big is the ID as a number.
func (id ID) Big() *big.Int {
	n := new(big.Int)
	base := big.NewInt(int64(BASE))
	for i := 0; i < DIGITS; i++ {
		n.Mul(n, base)
		n.Add(n, big.NewInt(int64(id[i])))
	}
	return n
}

//solution:begin A

// small reports whether every ID fits in a uint64, so that Closer can skip
// big numbers (routing-table updates call it often).
func small() bool {
	v := uint64(1)
	for i := 0; i < DIGITS; i++ {
		if v > (1<<62)/uint64(BASE) {
			return false
		}
		v *= uint64(BASE)
	}
	return true
}

func (id ID) small() uint64 {
	var v uint64
	for i := 0; i < DIGITS; i++ {
		v = v*uint64(BASE) + uint64(id[i])
	}
	return v
}

func absDiff(a, b uint64) uint64 {
	if a > b {
		return a - b
	}
	return b - a
}

//solution:end
