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
package coord
