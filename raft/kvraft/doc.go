// Package kvraft is a fault-tolerant, linearizable key/value service
// replicated with Raft (labs 3A and 3B).
//
// Clients talk to the service through a Clerk, which sends Get, Put and
// Append RPCs to whichever KVServer is the current Raft leader. Every
// operation, reads included, goes through the Raft log, so a server answers
// only after the operation has committed and been applied; that is what makes
// the service linearizable. Put and Append carry a client id and a sequence
// number so that a retried request is applied exactly once. With
// maxraftstate >= 0 the servers snapshot their state (the key/value map and
// the duplicate table) when the Raft state grows near that size.
package kvraft
