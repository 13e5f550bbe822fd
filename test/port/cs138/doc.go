// Package cs138 is the course's helper package of CS 138 (Brown) code of
// the Go era, whose OpenListener gives a node its listener and so its
// address (and its ID, the hash of the address), carried onto labrpc's
// simulated network: code ported into the kit changes its import of the
// course's cs138 package to "distlabs/test/port/cs138".
//
// The course picks a free TCP port; here the harness picks the address
// (its tests need IDs that do not collide) and the port's adapter opens
// the node under At, during which OpenListener answers a listener at that
// address. The listener never yields a connection (calls arrive through
// the rpc shim's Host); Accept waits until Close, so the course's accept
// loop ends when the node shuts its listener.
package cs138
