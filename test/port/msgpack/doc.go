// Package codec stands in for github.com/hashicorp/go-msgpack/codec in
// course code ported into the kit (PuddleStore encodes its inodes and node
// records with a MsgpackHandle), so that the code builds in this module,
// which does not require that library, after one import change:
//
//	import "distlabs/test/port/msgpack"
//
// The bytes are JSON, not MessagePack: the ported program is the only
// reader of what it encodes, so only the round trip matters. Only the
// names course code uses are here (MsgpackHandle, NewEncoder, NewDecoder,
// Encode, Decode).
package codec
