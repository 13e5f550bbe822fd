// Package coord is a coordination service with ZooKeeper's semantics: a
// tree of small data nodes ("znodes") addressed by slash-separated paths,
// each persistent or ephemeral (removed when the session that created it
// ends) and optionally sequential (the service appends a counter to the
// name), each with a version for compare-and-set, a children list, and
// one-shot watches that fire once when a node or its children change.
//
// Programs depend on the service only through the Conn interface, one
// client session. This repository has two implementations of it: a
// service replicated on this repository's Raft that runs in virtual time
// under the test harness (the coord lab), and an adapter to a real Apache
// ZooKeeper server for deployments. PuddleStore keeps its namespace and
// its locks behind Conn.
//
// # The coord lab
//
// StartServer runs one replica on this repository's Raft, as kvraft does;
// MakeClerk (or MakeClerkTimeout) opens a session with a group of them
// and returns a *Clerk, which implements Conn. Every request, reads
// included, goes through the Raft log as one Server.Do RPC, so the
// service is linearizable and every replica holds the same tree.
//
// Sessions are part of the replicated state, and so is everything that
// depends on time. The leader logs its clock every 200 ms (a tick); a
// session's timer is the tick time of its latest request, and a session
// whose timer is older than its timeout when a tick is applied expires
// there, at the same point of the log on every replica: its ephemeral
// nodes are deleted and its watches dropped. The first tick of a new
// term restarts every timer, as ZooKeeper does after a leader election,
// so that the time without a leader costs no session. A Clerk keeps its
// session alive with a Poll request five times per timeout.
//
// Watches are replicated too. A watch is registered by the request that
// sets it (named by that request's sequence number) and, when it fires,
// becomes an event in its session's queue in the state machine; the
// Clerk collects the queue with each Poll, acknowledging what it has
// taken, and delivers each event once on the watch's channel. A watch
// therefore survives a change of leader (the new leader holds the same
// queue), and a duplicated or retried Poll delivers nothing twice. The
// cost is latency: an event waits for the next Poll, at most a fifth of
// the session timeout. EventNotWatching is the Clerk's own doing: when it
// closes the session or learns (from any reply) that the session
// expired, it fires every pending watch with it.
//
// A Clerk issues one request at a time, each numbered, and the state
// machine keeps per session the latest number and its reply: a retry
// gets the first copy's reply and is applied once. Open, Close and Poll
// carry no number; applying them twice is harmless. The session id is
// random and chosen by the Clerk, so that a retried Open is recognised.
//
// With maxraftstate >= 0 a server snapshots the whole state machine
// (tree, sessions with their duplicate tables and event queues, watches,
// clock) when its Raft state nears that size.
package coord
