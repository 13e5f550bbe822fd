// Package paxos agrees on a sequence of numbered instances with basic Paxos
// (Lamport, "Paxos Made Simple", 2001), behind the API of the classic
// assignment (MIT 6.824, 2015, lab 3A).
//
// A service makes one Paxos peer per server with Make, registers it on a
// labrpc server (service name "Paxos"), and proposes a value for instance
// seq with Start. Agreement runs in the background; Status reports, without
// any RPC, whether this peer knows the decided value yet. Every instance is
// an independent run of Paxos: instances may be decided in any order, and a
// peer may learn a decision long after it was made.
//
// Memory stays bounded because a service calls Done(seq) once it no longer
// needs instances up to seq. Peers piggyback their Done values on every
// Paxos message; Min is one more than the smallest Done value of all peers,
// and every instance below Min is forgotten (its state freed, Status reports
// Forgotten, Start ignores it).
//
// Files by concern: paxos.go (the API), rpc.go (wire types and handler entry
// points), acceptor.go (acceptor state per instance, Done bookkeeping and
// forgetting), proposer.go (proposal numbers, the two phases, back-off),
// rand.go (seeded back-off randomness).
package paxos
