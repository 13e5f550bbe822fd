package tapestry

// One name the puddlestore adapter needs from the course's Tapestry (the
// TA implementation shipped with the PuddleStore handout), which keeps
// its blob store unexported. test/port/puddlestore/port.sh copies this
// file into the ported tapestry package. It is ours, not the course's:
// it reads the course's BlobStore as the handout defines it.

import "sort"

// HeldKeys returns the keys node n stores in its blob store, sorted.
func HeldKeys(n *Node) []string {
	bs := n.blobstore
	bs.RLock()
	defer bs.RUnlock()
	keys := make([]string, 0, len(bs.blobs))
	for k := range bs.blobs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
