// Package kvpaxos is a linearizable key/value service whose servers order
// client operations through the paxos package (the classic assignment's
// part B: MIT 6.824, 2015, lab 3B).
//
// Clients use a Clerk, which sends Get, Put and Append RPCs to any server
// and retries elsewhere until one answers. A server serves an operation by
// proposing it for the next instance it has not applied; if another
// operation wins that instance, the server applies that one and tries the
// next instance, so every server applies the same operations in the same
// order. Reads go through Paxos too, which is what makes the service
// linearizable. Put and Append carry a client id and a sequence number, so a
// retried write is applied exactly once. After applying an instance a
// server calls Done, so Paxos forgets the instances every server has
// applied; a background learner applies instances decided elsewhere and
// fills holes with no-ops, so idle servers keep up and memory stays bounded.
//
// Files by concern: common.go (RPC types), client.go (the Clerk), server.go
// (the server: ordering through Paxos, apply, duplicate detection, the
// learner).
package kvpaxos
