package surfstore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Special block-hash lists of FileMetaData.
const (
	// TombstoneHash is the whole hash list of a deleted file: ["0"].
	TombstoneHash = "0"
	// EmptyFileHash is the whole hash list of an empty file: ["-1"].
	EmptyFileHash = "-1"
)

// DefaultMetaFilename is the local index in a client's base directory. It
// is never synced.
const DefaultMetaFilename = "index.db"

// Limits every server and client applies, so that one peer cannot make
// another hold unbounded memory.
const (
	// MaxBlockSize is the largest block a BlockStore accepts and the
	// largest BLOCKSIZE a client may use.
	MaxBlockSize = 4 << 20
	// MaxMessageSize caps a reply (a FileInfoMap of many files) and what
	// a client sends; requests to a server have smaller caps of their own
	// (MaxBlockStoreMessage, MaxMetaStoreMessage).
	MaxMessageSize = 64 << 20
	// MaxFileNameBytes caps a file name (as most file systems do).
	MaxFileNameBytes = 255
	// MaxHashesPerFile caps a file's block list: 256 MiB at 4 KiB blocks,
	// 256 GiB at 4 MiB blocks. Its UpdateFile (66 bytes a hash on the
	// wire, 4.33 MB) fits in MaxMetaStoreMessage.
	MaxHashesPerFile = 1 << 16
	// MaxMetadataBytes caps the MetaStore's whole file map, as encoded in
	// GetFileInfoMap's reply, well below MaxMessageSize, so every client
	// can always fetch the map. An update that would pass it is refused
	// with ResourceExhausted. About 730,000 block hashes: 2.8 GiB of
	// files at 4 KiB blocks, 2.8 TiB at 4 MiB.
	MaxMetadataBytes = 48 << 20
)

// ErrUnsafeName is wrapped by the errors for a file name that is not a plain
// name in the base directory (empty, ".", "..", a path separator, the
// index's own name, not UTF-8, or too long).
var ErrUnsafeName = errors.New("surfstore: unsafe file name")

// GetBlockHashString returns the hex SHA-256 of a block's bytes: the name
// the block is stored and asked for under.
func GetBlockHashString(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// CheckFileName returns nil if name may be synced: a plain name of a file
// directly in the base directory. The client refuses other names from the
// server, and the MetaStore refuses them from clients.
func CheckFileName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
	case strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, 0):
	case !utf8.ValidString(name) || len(name) > MaxFileNameBytes:
	case isReserved(name):
	default:
		return nil
	}
	return fmt.Errorf("%w: %q", ErrUnsafeName, name)
}

// isReserved reports names the client keeps to itself: the index (and
// SQLite's side files of it) and the temp files of a sync in progress.
func isReserved(name string) bool {
	return name == DefaultMetaFilename || strings.HasPrefix(name, DefaultMetaFilename+"-") ||
		strings.HasPrefix(name, tempPrefix)
}

// tempPrefix starts the names of the temp files a sync writes before it
// renames them into place; scans skip them.
const tempPrefix = ".surfstore-tmp-"

// checkHashList returns nil if hashes is a valid block list: ["0"], ["-1"],
// or hex SHA-256 values.
func checkHashList(hashes []string) error {
	if len(hashes) == 0 {
		return errors.New("empty block hash list (an empty file is [\"-1\"])")
	}
	if len(hashes) > MaxHashesPerFile {
		return fmt.Errorf("%d block hashes, more than %d", len(hashes), MaxHashesPerFile)
	}
	if len(hashes) == 1 && (hashes[0] == TombstoneHash || hashes[0] == EmptyFileHash) {
		return nil
	}
	for i, h := range hashes {
		if !isBlockHash(h) {
			return fmt.Errorf("block hash %d (%.70q) is not a hex SHA-256", i, h)
		}
	}
	return nil
}

// isBlockHash reports whether h is 64 lowercase hex digits.
func isBlockHash(h string) bool {
	if len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
