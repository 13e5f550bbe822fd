//solution:begin
//solution:stub
// // Package raft is the Raft consensus algorithm (extended paper by Ongaro and
// // Ousterhout) that you build behind the API of the 6.824 (2022) lab, part by
// // part: leader election and heartbeats (2A), log replication (2B),
// // persistence (2C) and log compaction (2D). Services such as raft/kvraft use
// // it through that API.
// //
// // A service creates one peer per server with Make, proposes commands with
// // Start and receives committed commands, in log order, on its applyCh.
// // Peers talk through labrpc ("Raft.RequestVote", "Raft.AppendEntries",
// // "Raft.InstallSnapshot"; see rpc.go) and save their persistent state in a
// // Persister.
// //
// // Files: raft.go (state, API and the stubs to fill in), rpc.go (the RPC
// // types, whose fields some tests rely on, and the handlers), persist.go and
// // snapshot.go (stubs for 2C and 2D), persister.go (given), rand.go (the
// // seeded random source in rf.rng). Add files of your own as you like.
//solution:end
//solution:begin

// Package raft implements the Raft consensus algorithm (extended paper by
// Ongaro and Ousterhout: leader election, log replication, persistence and
// log compaction) behind the API of the 6.824 (2022) lab, so services such as
// raft/kvraft and existing test harnesses use it unchanged.
//
// A service creates one peer per server with Make, proposes commands with
// Start and receives committed commands, in log order, on its applyCh.
// Peers talk through labrpc ("Raft.RequestVote", "Raft.AppendEntries",
// "Raft.InstallSnapshot"; see rpc.go) and save their persistent state in a
// Persister.
//
// Files by concern: raft.go (state and API), election.go (§5.2, §5.4.1),
// replication.go (§5.3, §5.4.2), apply.go (delivering committed entries),
// persist.go (Figure 2 persistent state), snapshot.go (§7), persister.go,
// rpc.go (wire types), rand.go (seeded election timeouts).
//
//solution:end
package raft
