//solution:begin
//solution:stub
// // Package distsort sorts gensort-format records across N servers.
// //
// // Every server starts with an input file of 100-byte records (10-byte key,
// // 90-byte value). When all servers finish, server i's output file holds the
// // records whose keys fall in key range i, sorted by key, so concatenating
// // the outputs 0..N-1 yields one globally sorted file holding exactly the
// // records of all inputs.
// //
// // You write [Run] (node.go) and the key ranges (partition.go); record.go,
// // gen.go, validate.go and config.go are given. Each server (one call of
// // [Run]) connects to every peer, whichever starts first, sends every record
// // to the server owning its key range, sorts what it receives and writes its
// // output. How the servers frame their messages over the connections is
// // yours to design.
// //
// // Rules the tests check: any N >= 1; equal key ranges ([SplitEqual]) or
// // splitters drawn from samples of every input ([SplitSample]); the output
// // is written to a temporary file and renamed into place only once every
// // server has written its own, so a failed sort never leaves a partial or
// // stale output; a peer that never comes up, dies or stalls makes every
// // server fail with an error (see [Config] for the deadlines); and received
// // records beyond [Config.MemoryBudget] are spilled to [Config.SpillDir]
// // rather than held in memory.
//solution:end
//solution:begin

// Package distsort sorts gensort-format records across N servers.
//
// Every server starts with an input file of 100-byte records (10-byte key,
// 90-byte value). When all servers finish, server i's output file holds the
// records whose keys fall in key range i, sorted by key, so concatenating
// the outputs 0..N-1 yields one globally sorted file holding exactly the
// records of all inputs.
//
// # Algorithm
//
// Each server (one call of [Run]) goes through these phases:
//
//  1. Mesh: listen, dial every peer with retry and exponential backoff until
//     the startup deadline, and accept one connection from every peer. A peer
//     that never comes up fails the run with an error naming it.
//  2. Splitters (optional, [SplitSample]): every server samples keys from its
//     input, sends the sample to every peer, and all servers derive the same
//     N-1 splitter keys from the union of the samples. The default
//     ([SplitEqual]) splits the key space into N equal ranges.
//  3. Exchange: the input is streamed with large reads, every record is routed
//     to the server owning its key range, and records are sent in batches.
//     Records for the local server skip the network.
//  4. Local sort, partition first: each arriving record goes into one of 256
//     bins by its position inside this server's key range, so bins are in key
//     order. Workers (one per core) then take bins in turn: build 16-byte
//     entries (key + record reference), counting-sort them by the next
//     position bits (about one sub-bucket per two records), insertion-sort
//     the tiny sub-buckets, gather the records (a bin is about 1 MB at
//     benchmark scale, so this stays in cache) and write the bin at its
//     offset in the output with positioned writes.
//  5. Commit: the output is written to a temporary file next to the output
//     path; every server tells every peer it is done and waits for all peers to
//     say the same before renaming the temporary file into place. A server that
//     fails, or sees a peer fail, removes its temporary file, so no partial
//     output file is ever left behind.
//
// # Framing
//
// Every connection carries frames in one direction only: from the dialing
// server to the accepting one (so each pair of servers uses two connections).
// A frame is
//
//	type   1 byte   ('H' hello, 'S' sample, 'D' data, 'E' end, 'C' commit)
//	length 4 bytes  big-endian payload length, at most 262100 (one data batch)
//	payload
//
// The first frame is a hello: the 4-byte magic "DSRT", a version byte (2),
// the sender's id and N (4 bytes each, big-endian), the splitter mode byte
// and a 32-byte HMAC-SHA256 of those bytes keyed with [Config.Token]; a
// receiver checks the hello's header before allocating anything, drops a
// connection whose hello carries a wrong proof, and rejects a hello that
// does not match its own configuration or names a peer already connected. With
// sampling, one sample frame of 10-byte keys follows. Then come data frames,
// each holding whole records of the receiver's key range (length a
// multiple of 100; a record of another range fails the run), and one end frame
// whose 8-byte payload is the number of records sent, which the receiver
// checks. Last comes a commit frame (8 bytes: records the sender received in
// total, used for the imbalance report), sent once the sender's output is
// written.
//
// # Memory
//
// Received records are held in memory up to [Config.MemoryBudget] bytes
// (default 1 GiB). When a record would exceed the budget, the buffered
// records are sorted and spilled to a run file in [Config.SpillDir]; at the
// end the remainder is spilled too and all runs are merged with a k-way heap
// merge (an external sort). Peak memory is about MemoryBudget plus chunk
// slack (bins grow in doubling chunks of at most 200 KB: under 50 MB over
// 256 bins) plus, per worker, 32 bytes of sort entries per record of the
// bin it is sorting (bins are about 1/256 of the data unless keys are
// heavily duplicated) and a 4 MB gather buffer, plus I/O buffers: 4 MB for
// reading input, 4 batches of 256 KB per peer for sending, one 256 KB frame
// buffer per peer for receiving, and 256 KB per run while merging.
//
// # Faults
//
// A peer that dies mid-run resets its connections; every other server then
// fails and removes its temporary output. Each reports the first failure it
// saw, so the first to notice names the dead peer and later ones may name a
// server that aborted because of it. A peer that stalls without closing is
// caught by [Config.IOTimeout] (the longest wait for one frame or one
// write). A server that dies after sending its commit frame but before
// renaming its own output cannot be detected by the others; that window is
// one rename.
//
//solution:end
package distsort
