// Package surfstore is a Dropbox-like file store with a sync client, on
// the wire surface of UCSD CSE 224's project (the course's
// cse224/proj5/pkg/surfstore; port student code with
// sed -i 's#cse224/proj5/pkg/surfstore#distlabs/surfstore#' *.go).
//
// Files are cut into blocks of BLOCKSIZE bytes, each named by the hex
// SHA-256 of its bytes. A BlockStore keeps blocks; a MetaStore keeps, per
// file name, a version and the list of the file's block hashes (["-1"] for
// an empty file, ["0"] for a deleted one, a tombstone). ClientSync keeps
// one local directory in step with them, recording the state of the last
// sync in the SQLite file index.db of that directory.
//
// Three stages, graded by tests whose names end in the stage:
//
//   - S1: one BlockStore and one MetaStore. UpdateFile takes exactly the
//     next version (first writer wins, the loser downloads the winner);
//     the client uploads only missing blocks and writes files and the
//     index atomically (temp file, fsync, rename).
//   - S2: several BlockStores on a consistent-hash ring
//     (ConsistentHashRing): the store at addr sits at
//     SHA-256("blockstore"+addr); a block belongs to the first store whose
//     position is >= its hash, wrapping around.
//   - S3: the MetaStore replicated with Raft, leadership and heartbeats
//     driven by the caller (RaftSurfstore service).
//
// The services and messages are generated from surfstore.proto (make
// proto). Tests run the same gRPC servers and clients over labrpc's
// simulated streams in virtual time (package surfstore/internal/surftest);
// the commands under surfstore/cmd run them over TCP.
//
// Every server bounds what one client can make it hold: messages of at
// most MaxMessageSize, blocks of at most MaxBlockSize, MaxConcurrentStreams
// calls per connection, a CallTimeout on every call (ServerOptions).
package surfstore
