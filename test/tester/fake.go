package tester

import "distlabs/labrpc"

// ServeFake wires a hand-written fake peer into a rig test's network: it
// serves rcvr's RPC methods (one labrpc service) as server id on net, and
// returns a new end named name from the fake to server to, connected and
// enabled, over which the fake calls the real peer. The raft and paxos rigs
// (one real peer beside fakes whose replies each test scripts) use it.
//
// It touches net in the order the rigs always did (server, then end), and
// the end's name is the caller's, so a seed replays the same faults.
func ServeFake(net *labrpc.Network, id int, rcvr any, name string, to int) *labrpc.ClientEnd {
	srv := labrpc.MakeServer()
	srv.AddService(labrpc.MakeService(rcvr))
	net.AddServer(id, srv)
	end := net.MakeEnd(name)
	net.Connect(name, to)
	net.Enable(name, true)
	return end
}
