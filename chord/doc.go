// Package chord is a Chord distributed hash table (Stoica et al., "Chord:
// A Scalable Peer-to-peer Lookup Service for Internet Applications",
// SIGCOMM 2001, and the extended ToN 2003 paper), with the names and RPC
// surface of Brown's CS 138 Chord assignment and the ring maintenance
// Pamela Zave proved correct ("Reasoning about identifier spaces: how to
// make Chord correct", IEEE TSE 2017).
//
// IDs are SHA-1 hashes of addresses and keys cut to m bits (HashKey); a key
// lives on its successor, the first node whose ID equals or follows it on
// the ring (BetweenRightIncl). Each node keeps a successor list of R
// entries, a predecessor and a finger table of m entries (finger i is the
// successor of n + 2^i), and runs three periodic tasks: Stabilize
// (Zave's version: skip dead successors, adopt the successor's predecessor
// only if it answers, copy the successor's list, notify), FixFingers and
// CheckPredecessor. Lookups (FindSuccessor) are recursive and take
// O(log N) hops once the fingers are fixed.
//
// The store (Get, Put) keeps each key on its owner and R-1 successors, so
// the failure of at most R-1 adjacent nodes between two stabilisation
// rounds loses no acknowledged write. A node takes its keys from its
// successor when that successor accepts it as predecessor (Notify), and a
// leaving node hands its keys to its successor (Leave, TransferKeys).
//
// Files by concern: id.go (IDs and intervals), node.go (Node, Config,
// Create, Join, Kill), finger.go (finger table and lookups), stabilize.go
// (stabilize, notify, check predecessor), kv.go (Get, Put, replication,
// Leave), rpc.go (the RPC service and its wire types), remote.go (the
// caller's side of each RPC).
package chord
