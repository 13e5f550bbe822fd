// Package kvtest is what the key/value labs' tests share (kvraft, kvpaxos,
// pbkv, shardkv): clerks whose operations are recorded for the
// linearizability check, the one append encoding and its checkers,
// per-client random sources and concurrent workloads, the safety
// watcher of the labs on Paxos, and the check of the bad-op rule
// (CheckBadOp) that kvpaxos and shardkv share.
//
//	h := kvtest.NewHistory(t, net, kvtest.Options{})
//	h.Put(ck, 0, "k", "v")             // ck: any Clerk of the lab
//	h.Expect(ck, 0, "k", "v")          // a Get that must return "v"
//	stop := kvtest.Clients(3, func(cli, i int) bool {
//		h.Append(cks[cli], cli, "k", kvtest.AppendValue(cli, i))
//		return true
//	})
//	... faults ...
//	stop()
//	h.Check()                          // porcupine, with its visualisation
package kvtest
