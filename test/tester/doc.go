// Package tester is the cluster harness of the replicated labs (raft,
// kvraft, paxos, kvpaxos, viewservice, pbkv, shardctrler, shardkv): one
// test's labrpc network and groups of servers on it, with the lifecycle and
// the faults every such test needs.
//
//	net := tester.NewNet(t, true)                  // reliable, seeded from t
//	saved := tester.NewStates(n, raft.MakePersister)
//	g := tester.NewGroup(net, tester.Spec[*KVServer]{
//		Name: "kv",
//		N:    n,
//		Start: func(i int, ends []*labrpc.ClientEnd) (*KVServer, []any) {
//			kv := StartKVServer(ends, i, saved.Restart(i), maxraftstate)
//			return kv, []any{kv, kv.rf} // the services labrpc serves
//		},
//		Crashed: saved.Freeze,
//	})
//	g.StartAll()
//	defer func() { g.Shutdown(); net.Cleanup() }()
//	net.Begin("Test (3A): basic")
//	...
//	g.Partition([]int{0, 1, 2}, []int{3, 4})
//	g.Crash(3); g.Start(3); g.Connect(3)
//	...
//	net.Passed(n)
//
// What it fixes for every lab:
//
//   - deterministic end names (labrpc draws each link's faults from the
//     seed, the end's name and the message number, so a seed replays the
//     same faults): server i's end to server j in its k-th incarnation is
//     "NAME-i-j-gk"; a client's ends are "NAME-cK-j";
//   - a crash as 6.824's config does it: the server leaves the network, its
//     persisted state is copied (States.Freeze) so that what the dying
//     instance still writes cannot reach the state a restart reads, and
//     then it is killed; a restart gets fresh ends and a copy of that state;
//   - one link model: server i reaches server j when both are connected, in
//     the same partition group and j is not deaf; clients' links are set
//     per client and are not partitioned;
//   - the counters of the 6.824 "Passed" line (Net.Begin, Net.Op,
//     Net.Passed).
//
// A ported 6.824 test harness (the course's config.go) still drops in: it
// builds on labrpc's 6.824 API directly and need not use this package; see
// CONTRIBUTING.md, "Lab shape".
package tester
