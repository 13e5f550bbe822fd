// Package puddlestore is PuddleStore, the distributed file system of Brown
// CS 138's final project: file contents live as immutable blocks in a
// Tapestry mesh, and the namespace, the inodes and the writers' locks live
// in a coordination service with ZooKeeper's semantics (coord.Conn).
//
// A file's inode lists the IDs of its blocks; each block is stored in
// Tapestry under NumReplicas salted keys, each on a different node, so a
// closed file stays readable while up to NumReplicas-1 nodes are down.
// Writes are copy-on-write: an open file collects its changed blocks, and
// Close stores them as new blocks and then swaps the inode in one
// compare-and-set on its version, so a reader sees the old file or the
// new one, never a mix. Writers of one file take a lock first (the
// ZooKeeper lock recipe: an ephemeral sequential node, and a watch on the
// one before it), which a crashed client's session releases. Readers take
// no lock. Blocks that no inode refers to any more are listed in a garbage
// queue in the coordination service and deleted from Tapestry after a
// grace period (gc.go).
//
// The cluster side (cluster.go, blocks.go, env.go, gc.go) runs the
// Tapestry nodes with a small block service beside each, and the
// collector; the client (Connect and the Client it returns) is the lab.
package puddlestore
