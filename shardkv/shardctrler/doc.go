// Package shardctrler is the configuration service of the sharded
// key/value store (lab 4A): a Raft-replicated sequence of configurations,
// each of which assigns the NShards shards to replica groups.
//
// Administrators change the configuration with Join (add groups), Leave
// (remove groups) and Move (pin one shard to a group); every change creates
// a new configuration with the next number. Query returns a configuration by
// number, or the latest. Join and Leave rebalance: the shard counts of the
// groups differ by at most one, as few shards as possible change group, and
// the result depends only on the previous configuration and the request,
// never on Go's map iteration order, so every replica computes the same
// configuration. Join, Leave and Move carry a client id and a sequence
// number, so a retried request is applied once.
package shardctrler
