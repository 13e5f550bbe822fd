// Package shardmaster is the configuration service of the 2015 sharded
// key/value lab (MIT 6.824, 2015, lab 4 part A) on Paxos: a few replicas
// agree, through a sequence of paxos instances, on a numbered list of
// configurations, each assigning NShards shards to replica groups. Join
// adds a group, Leave removes one, Move pins a shard on a group and Query
// returns a configuration. Join and Leave rebalance so that groups hold
// shard counts that differ by at most one while moving as few shards as
// possible.
//
// The API is the 2015 one with the transport changed to labrpc, as in
// paxos/kvpaxos: replicas and clerks are given labrpc ends instead of
// Unix-socket names, and gids are int64 as in the 2015 Config. The 2022
// variant on Raft, with its own API, is shardkv/shardctrler.
package shardmaster
