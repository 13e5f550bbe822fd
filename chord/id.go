package chord

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"math/big"
)

// Identifiers are points of a ring of 2^m points, held as big-endian byte
// slices of IDBytes(m) bytes (the course keeps IDs as []byte, so code
// written for it carries over). Every ID of one ring has the same length,
// so bytes.Compare orders them as numbers.

// IDBytes returns how many bytes an ID of an m-bit ring takes.
func IDBytes(m int) int { return (m + 7) / 8 }

// HashKey hashes key (a node's address or a key of the store) with SHA-1
// and cuts the hash to the ring's m bits: the hash modulo 2^m.
func HashKey(key string, m int) []byte {
	//solution:begin A
	sum := sha1.Sum([]byte(key))
	return toID(new(big.Int).SetBytes(sum[:]), m)
	//solution:stub
	// // Your code here (A).
	// return nil
	//solution:end
}

// Between reports whether x lies strictly inside the ring interval (a, b),
// going clockwise (upwards, wrapping from 2^m-1 to 0) from a to b. When a
// equals b the interval is the whole ring except a: a node alone on the
// ring is its own successor and precedes every other point.
func Between(x, a, b []byte) bool {
	//solution:begin A
	switch ab := bytes.Compare(a, b); {
	case ab < 0:
		return bytes.Compare(a, x) < 0 && bytes.Compare(x, b) < 0
	case ab > 0: // the interval wraps past zero
		return bytes.Compare(a, x) < 0 || bytes.Compare(x, b) < 0
	default:
		return !bytes.Equal(x, a)
	}
	//solution:stub
	// // Your code here (A).
	// return false
	//solution:end
}

// BetweenRightIncl reports whether x lies in (a, b]: Between, or x equals
// b. When a equals b it is the whole ring, so a lone node owns every key.
func BetweenRightIncl(x, a, b []byte) bool {
	//solution:begin A
	return Between(x, a, b) || bytes.Equal(x, b)
	//solution:stub
	// // Your code here (A).
	// return false
	//solution:end
}

// FingerStart returns the start of finger i (0 <= i < m) of node n on an
// m-bit ring: (n + 2^i) mod 2^m. The paper numbers fingers from 1 and
// writes n + 2^(k-1); the course and this package number them from 0.
func FingerStart(n []byte, i, m int) []byte {
	//solution:begin A
	x := new(big.Int).SetBytes(n)
	x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(i)))
	return toID(x, m)
	//solution:stub
	// // Your code here (A).
	// return nil
	//solution:end
}

//solution:begin A

// toID reduces x modulo 2^m and writes it as an m-bit ID.
func toID(x *big.Int, m int) []byte {
	mod := new(big.Int).Lsh(big.NewInt(1), uint(m))
	x = new(big.Int).Mod(x, mod)
	return x.FillBytes(make([]byte, IDBytes(m)))
}

//solution:end

// IDString returns an ID in hex, for logs and test messages.
func IDString(id []byte) string { return hex.EncodeToString(id) }
