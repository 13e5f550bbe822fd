// Package labrpc is the simulated network every distlabs assignment runs
// on: RPC between client ends and servers, byte streams between hosts, and
// a real-TCP transport for the command-line tools, all under one seeded
// fault model that works inside testing/synctest bubbles.
//
// # RPC
//
// The API is the 6.824 teaching labrpc's, so a harness written for it works
// after changing import paths:
//
//	rn := labrpc.MakeNetwork()
//	defer rn.Cleanup()
//	srv := labrpc.MakeServer()
//	srv.AddService(labrpc.MakeService(kv)) // handlers: func (kv *KV) Get(args GetArgs, reply *GetReply)
//	rn.AddServer("kv0", srv)
//	end := rn.MakeEnd("client0->kv0")
//	rn.Connect("client0->kv0", "kv0")
//	rn.Enable("client0->kv0", true)
//	var reply GetReply
//	ok := end.Call("KV.Get", GetArgs{Key: "x"}, &reply)
//
// Call returns true iff a reply arrived. Arguments and replies are copied
// through labgob, so the two sides never share memory.
//
// # Fault model
//
//   - Always: every message takes DefaultLatency (0.5 ms) one way, so a
//     round trip takes 1 ms (SetLatency changes it; 0 is the instantaneous
//     network of 6.824). In a synctest bubble this is what lets virtual
//     time move while a client retries in a loop without sleeping.
//   - Reliable(false): each request is delayed 0–26 ms, then lost with
//     probability 0.1 (the handler does not run); a reply is lost with
//     probability 0.1 (the handler did run).
//   - LongReordering(true): about two thirds of replies are held back
//     200–2200 ms, skewed toward the short end.
//   - A disabled or unconnected end, or a missing server: Call fails after
//     the latency plus 0–100 ms, or plus 0–7 s with LongDelays(true).
//   - DeleteServer: calls in flight fail; none returns a positive reply.
//     While a handler runs the network checks every 100 ms whether its
//     server is gone or the end disabled, and fails the call early if so.
//   - Partition(groups...) and Heal: host-level partitions for ends made
//     with MakeEndFrom and for streams.
//
// # Seeding
//
// Every fault decision derives from the network's seed, the link (the end's
// name) and the message's number on that link: the k-th call on an end sees
// the same faults whatever happens on other links. MakeNetworkSeed takes the
// seed; MakeNetwork uses a package default that the test harness sets from
// the test's seed (SetDefaultSeed). Give ends deterministic names.
// SetTrace installs a sink that receives one Event per message, for
// debugging and for checking that a seed replays the same schedule.
//
// # Streams
//
// Listen and Dial give in-memory net.Listener and net.Conn values on the same
// network, for protocols built on byte streams (HTTP, sort shuffles):
//
//	l, _ := rn.Listen("web:80")
//	go srv.Serve(l)
//	c, _ := rn.Dial("client", "web:80")
//	c.SetReadDeadline(time.Now().Add(5 * time.Second)) // virtual time in a bubble
//
// Writes are delayed (0–26 ms each, in order) when the network is
// unreliable; a partition stalls delivery until Heal; SetHostUp(host,
// false) resets the host's connections and closes its listeners; Cleanup
// resets everything.
//
// # Real TCP
//
// The same Server runs on a real listener, and an end can be dialed to a
// real address, with Call's semantics kept (false on a lost connection or
// after the end's timeout):
//
//	l, _ := net.Listen("tcp", "127.0.0.1:0")
//	go srv.Serve(l)
//	end := labrpc.MakeTCPEnd(l.Addr().String())
//	defer end.Close()
//	ok := end.Call("KV.Get", GetArgs{Key: "x"}, &reply)
//
// Frames are length-prefixed and labgob-encoded (see tcp.go); a malformed
// frame closes its connection, never the server. The transport is meant for
// the cooperating processes of one course cluster, not for the open
// internet: encoding/gob is not hardened against hostile input (a crafted
// body can make the decoder allocate a large map), and there is no
// authentication.
//
// Still, one client cannot make a server hold unbounded resources: frames
// are at most MaxFrame (4 MiB) each way; a connection runs at most
// MaxInflight calls and MaxFrame bytes of requests at once, and is not read
// further until replies drain; a Serve loop holds at most MaxServeBytes
// (64 MiB) of requests over all connections and keeps at most MaxConns
// connections; a connection idle for IdleTimeout (2 min, no call in flight)
// is closed, and clients redial.
//
// # Performance
//
// BenchmarkCallZeroLatency measures sequential reliable round trips
// (string argument, string reply) without the default latency's real
// sleeps: 4.3 to 5.8 µs (depending on load), 624 B and 15 allocations per
// call on the 2-core reference machine
// (go test -run XXX -bench . -benchmem ./labrpc),
// against the 10 µs target and the roughly 30 µs the 6.824 labrpc is known
// to need. The gain comes from the argument copies: they go through
// long-lived gob streams, kept per type pair, so a type description is
// encoded once per stream instead of once per message. In the same run,
// BenchmarkCopyPooled (1.2 to 1.9 µs, 9 allocs) against BenchmarkCopyFresh
// (a new encoder and decoder per message: 16 to 20 µs, 198 allocs) shows
// the ratio, about 12x. The idle streams are a free list, not a
// sync.Pool, whose drops under the race detector made a quarter of
// chord's CPU under -race go to remaking them (codec.go).
package labrpc
