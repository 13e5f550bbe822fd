// Package tapestry is Tapestry, the prefix-routing object-location mesh of
// Zhao et al., "Tapestry: a resilient global-scale overlay for service
// deployment" (IEEE JSAC 22(1), 2004), in the shape of Brown CS 138's
// program: the same files, names, constants and gRPC service.
//
// IDs are DIGITS digits in base BASE (id.go). A node's routing table
// (routing_table.go) has a level per digit and a slot per digit value,
// each holding the SLOTSIZE closest nodes with that prefix; routing
// matches one more digit per hop, and surrogate routing takes the next
// non-empty slot, so every node reaches the same root for an ID
// (FindRootCaller, node_core.go). Objects are published to the root of their
// key's hash, which keeps soft-state location entries (location_map.go)
// for TIMEOUT, refreshed every REPUBLISH; the values live in the
// publishers' blob stores (blob_store.go). Nodes join by an acknowledged
// multicast from their root (node_init.go) and leave by telling their
// backpointers (backpointers.go, node_exit.go).
//
// Nodes talk gRPC (tapestry.proto, TapestryRPC). Start serves on TCP;
// StartOn serves on any listener and takes dial options, so the tests run
// the same code over labrpc's simulated streams in virtual time.
package tapestry
