// Package shardkv is the sharded key/value store of the 2015 lab (MIT
// 6.824, 2015, lab 4 part B) on Paxos: replica groups, each a few servers
// that order their operations through paxos instances, serve the shards
// paxos/shardmaster assigns them, and hand shards over, data and duplicate
// table together, when the configuration changes.
//
// The API is the 2015 one with the transport changed to labrpc, as in
// paxos/kvpaxos: a server is given the ends to the shardmaster replicas and
// to its group's Paxos peers, and reaches other groups' servers, named in
// the configuration, through makeEnd. The 2022 variant on Raft, with its
// own API, is the shardkv package.
package shardkv
