// Package shardkv is a sharded, replicated key/value store (lab 4B).
//
// Keys are split into shardctrler.NShards shards (key2shard: the first byte
// modulo NShards). Each replica group is a Raft-replicated state machine
// that serves the shards the current configuration of the controller
// (shardctrler) assigns it. A group's leader polls the controller, and the
// group moves through configurations one at a time, in order, each one
// applied through its log. When a configuration gives a group a shard, the
// group pulls the shard's data, with its duplicate table, from the previous
// owner (so a retried Append is still applied once after the move), then
// tells the previous owner to delete its copy. Shards not affected by a
// reconfiguration are served throughout, and an arriving shard is served as
// soon as its data is in. A group answers ErrWrongGroup for a key whose
// shard it does not own, or owns but has not received yet. With
// maxraftstate >= 0 the servers snapshot when the Raft state nears it.
package shardkv
