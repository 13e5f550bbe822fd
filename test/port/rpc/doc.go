// Package rpc is the part of the standard library's net/rpc that CS 138
// code of the Go era calls (Dial, Client.Call and Client.Go, Register,
// RegisterName, NewServer, Accept, ServeConn), carried over labrpc's
// simulated network, so that such code is ported into the kit by changing
// its import of "net/rpc" to "distlabs/test/port/rpc" and runs in the
// tests' virtual time.
//
// The course's code names each node's service by its address
// (RegisterName(addr, node)) and calls "addr.Method" on a client dialed to
// addr. Here a client is a labrpc end to addr, and a call travels as one
// labrpc RPC to the Host service that the test's harness serves at addr
// (labrpc.MakeService(&rpc.Host{})); the Host hands it to the net/rpc
// server registered under the call's service name, which decodes the
// arguments and runs the handler exactly as net/rpc does. Arguments and
// replies are gob-encoded, as net/rpc's default codec does, so the
// course's wire types need nothing labrpc's encoder would add.
//
// Which ends a Dial gets is the harness's choice (UseNetwork). Handlers are
// registered in one registry of the process; registering a name again
// replaces the earlier receiver, so a test that reuses an address of an
// earlier test reaches its own node. No connection is ever accepted:
// Accept and ServeConn exist so that the course's server loops compile and
// wait until their listener closes.
package rpc
