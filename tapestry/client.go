package tapestry

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The two RPCs of the course's command-line client, which asks a node to
// act for it: store and publish a value, or look a key up. They only wrap
// Store and Lookup, so the handout gives them.

// TapestryStoreCaller stores the blob here and publishes its key.
func (local *Node) TapestryStoreCaller(ctx context.Context, blob *DataBlob) (*Ok, error) {
	if err := local.Store(blob.GetKey(), blob.GetData()); err != nil {
		return nil, status.Errorf(codes.Unavailable, "store %q at %v: %v", blob.GetKey(), local.Node, err)
	}
	return &Ok{Ok: true}, nil
}

// TapestryLookupCaller answers with the nodes that hold replicas of the key.
func (local *Node) TapestryLookupCaller(ctx context.Context, key *Key) (*Neighbors, error) {
	nodes, err := local.Lookup(key.GetKey())
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "look %q up at %v: %v", key.GetKey(), local.Node, err)
	}
	return &Neighbors{Neighbors: toNodeMsgs(nodes)}, nil
}
