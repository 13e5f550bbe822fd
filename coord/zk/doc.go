// Package zk implements coord.Conn over a real Apache ZooKeeper
// ensemble, through the maintained Go client github.com/go-zookeeper/zk.
//
// Dial opens a session and waits until the server has granted it, so
// that SessionID is known on return. The adapter maps the client's
// errors to coord's (errors.Is works on the results) and forwards each
// watch's one event, translated, on a channel of its own. Nodes are
// created with an open ACL: coord has no notion of ACLs.
//
// This package's tests run one set of conformance checks against the
// coord lab's service (always, in virtual time) and against this adapter
// when DISTLABS_ZK names a server (`make zookeeper` starts one).
package zk
