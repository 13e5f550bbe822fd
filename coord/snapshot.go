//solution:file D

package coord

import (
	"bytes"
	"fmt"

	"distlabs/labrpc/labgob"
)

// encodeTree encodes the whole state machine for a snapshot: the tree,
// the sessions with their duplicate tables and event queues, the watches
// and the clock.
func encodeTree(t *tree) []byte {
	var buf bytes.Buffer
	if err := labgob.NewEncoder(&buf).Encode(t); err != nil {
		// Encoding maps, slices and integers cannot fail.
		panic(fmt.Sprintf("coord: encode snapshot: %v", err))
	}
	return buf.Bytes()
}

// decodeTree decodes a snapshot of encodeTree.
func decodeTree(data []byte) *tree {
	var t tree
	if err := labgob.NewDecoder(bytes.NewReader(data)).Decode(&t); err != nil {
		// Only encodeTree writes snapshots: a bad one is a bug.
		panic(fmt.Sprintf("coord: decode snapshot (%d bytes): %v", len(data), err))
	}
	t.fillMaps()
	return &t
}

// fillMaps restores the empty maps gob leaves out of a decoded tree.
func (t *tree) fillMaps() {
	if t.Nodes == nil {
		t.Nodes = map[string]*node{}
	}
	if t.Sessions == nil {
		t.Sessions = map[int64]*session{}
	}
	if t.Ended == nil {
		t.Ended = map[int64]Err{}
	}
	if t.DataWatches == nil {
		t.DataWatches = map[string][]watch{}
	}
	if t.ChildWatches == nil {
		t.ChildWatches = map[string][]watch{}
	}
	for _, n := range t.Nodes {
		if n.Kids == nil {
			n.Kids = map[string]bool{}
		}
	}
	for _, s := range t.Sessions {
		if s.Ephemerals == nil {
			s.Ephemerals = map[string]bool{}
		}
	}
}
