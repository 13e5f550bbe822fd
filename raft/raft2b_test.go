package raft_test

import (
	"sync"
	"testing"

	"distlabs/test/labtest"
)

func TestBasicAgree2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): basic agreement")

		iters := 3
		for index := 1; index < iters+1; index++ {
			nd, _ := cfg.nCommitted(index)
			if nd > 0 {
				t.Fatalf("some have committed before Start()")
			}
			xindex := cfg.one(index*100, servers, false)
			if xindex != index {
				t.Fatalf("got index %v but expected %v", xindex, index)
			}
		}
		cfg.end()
	})
}

// TestRPCBytes2B checks that each command is sent to each peer only once.
func TestRPCBytes2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): RPC byte count")

		cfg.one(99, servers, false)
		bytes0 := cfg.bytesTotal()

		iters := 10
		var sent int64
		for index := 2; index < iters+2; index++ {
			cmd := randstring(t, 5000)
			xindex := cfg.one(cmd, servers, false)
			if xindex != index {
				t.Fatalf("got index %v but expected %v", xindex, index)
			}
			sent += int64(len(cmd))
		}
		bytes1 := cfg.bytesTotal()
		got := bytes1 - bytes0
		expected := int64(servers) * sent
		if got > expected+50000 {
			t.Fatalf("too many RPC bytes; got %v, expected %v", got, expected)
		}
		cfg.end()
	})
}

func TestFollowerFailure2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): test progressive failure of followers")

		cfg.one(101, servers, false)

		// disconnect one follower from the network.
		leader1 := cfg.checkOneLeader()
		cfg.disconnect((leader1 + 1) % servers)

		// the leader and remaining follower should be able to agree
		// despite the disconnected follower.
		cfg.one(102, servers-1, false)
		sleep(electionTimeout)
		cfg.one(103, servers-1, false)

		// disconnect the remaining follower
		leader2 := cfg.checkOneLeader()
		cfg.disconnect((leader2 + 1) % servers)
		cfg.disconnect((leader2 + 2) % servers)

		// submit a command.
		index, _, ok := cfg.raftAt(leader2).Start(104)
		if !ok {
			t.Fatalf("leader rejected Start()")
		}
		if index != 4 {
			t.Fatalf("expected index 4, got %v", index)
		}

		sleep(2 * electionTimeout)

		// check that command 104 did not commit.
		if n, _ := cfg.nCommitted(index); n > 0 {
			t.Fatalf("%v committed but no majority", n)
		}
		cfg.end()
	})
}

func TestLeaderFailure2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): test failure of leaders")

		cfg.one(101, servers, false)

		// disconnect the first leader.
		leader1 := cfg.checkOneLeader()
		cfg.disconnect(leader1)

		// the remaining followers should elect a new leader.
		cfg.one(102, servers-1, false)
		sleep(electionTimeout)
		cfg.one(103, servers-1, false)

		// disconnect the new leader.
		leader2 := cfg.checkOneLeader()
		cfg.disconnect(leader2)

		// submit a command to each server.
		for i := 0; i < servers; i++ {
			cfg.raftAt(i).Start(104)
		}

		sleep(2 * electionTimeout)

		// check that command 104 did not commit.
		if n, _ := cfg.nCommitted(4); n > 0 {
			t.Fatalf("%v committed but no majority", n)
		}
		cfg.end()
	})
}

// TestFailAgree2B: a follower that reconnects catches up.
func TestFailAgree2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): agreement after follower reconnects")

		cfg.one(101, servers, false)

		// disconnect one follower from the network.
		leader := cfg.checkOneLeader()
		cfg.disconnect((leader + 1) % servers)

		// the leader and remaining follower should be able to agree
		// despite the disconnected follower.
		cfg.one(102, servers-1, false)
		cfg.one(103, servers-1, false)
		sleep(electionTimeout)
		cfg.one(104, servers-1, false)
		cfg.one(105, servers-1, false)

		// re-connect
		cfg.connect((leader + 1) % servers)

		// the full set of servers should preserve previous agreements,
		// and be able to agree on new commands.
		cfg.one(106, servers, true)
		sleep(electionTimeout)
		cfg.one(107, servers, true)
		cfg.end()
	})
}

func TestFailNoAgree2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): no agreement if too many followers disconnect")

		cfg.one(10, servers, false)

		// 3 of 5 followers disconnect
		leader := cfg.checkOneLeader()
		cfg.disconnect((leader + 1) % servers)
		cfg.disconnect((leader + 2) % servers)
		cfg.disconnect((leader + 3) % servers)

		index, _, ok := cfg.raftAt(leader).Start(20)
		if !ok {
			t.Fatalf("leader rejected Start()")
		}
		if index != 2 {
			t.Fatalf("expected index 2, got %v", index)
		}

		sleep(2 * electionTimeout)

		n, _ := cfg.nCommitted(index)
		if n > 0 {
			t.Fatalf("%v committed but no majority", n)
		}

		// repair
		cfg.connect((leader + 1) % servers)
		cfg.connect((leader + 2) % servers)
		cfg.connect((leader + 3) % servers)

		// the disconnected majority may have chosen a leader from
		// among their own ranks, forgetting index 2.
		leader2 := cfg.checkOneLeader()
		index2, _, ok2 := cfg.raftAt(leader2).Start(30)
		if !ok2 {
			t.Fatalf("leader2 rejected Start()")
		}
		if index2 < 2 || index2 > 3 {
			t.Fatalf("unexpected index %v", index2)
		}

		cfg.one(1000, servers, true)
		cfg.end()
	})
}

func TestConcurrentStarts2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): concurrent Start()s")

		var success bool
	loop:
		for try := 0; try < 5; try++ {
			if try > 0 {
				// give solution some time to settle
				sleep(3 * sec)
			}

			leader := cfg.checkOneLeader()
			_, term, ok := cfg.raftAt(leader).Start(1)
			if !ok {
				// leader moved on really quickly
				continue
			}

			iters := 5
			var wg sync.WaitGroup
			is := make(chan int, iters)
			for ii := 0; ii < iters; ii++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					i, term1, ok := cfg.raftAt(leader).Start(100 + i)
					if term1 != term {
						return
					}
					if !ok {
						return
					}
					is <- i
				}(ii)
			}
			wg.Wait()
			close(is)

			for j := 0; j < servers; j++ {
				if t, _ := cfg.raftAt(j).GetState(); t != term {
					// term changed -- can't expect low RPC counts
					continue loop
				}
			}

			failed := false
			var cmds []int
			for index := range is {
				cmd := cfg.wait(index, servers, term)
				if ix, ok := cmd.(int); ok {
					if ix == -1 {
						// peers have moved on to later terms
						// so we can't expect all Start()s to
						// have succeeded
						failed = true
						break
					}
					cmds = append(cmds, ix)
				} else {
					t.Fatalf("value %v is not an int", cmd)
				}
			}
			if failed {
				// avoid leaking goroutines
				go func() {
					for range is {
					}
				}()
				continue
			}

			for ii := 0; ii < iters; ii++ {
				x := 100 + ii
				found := false
				for j := 0; j < len(cmds); j++ {
					if cmds[j] == x {
						found = true
					}
				}
				if !found {
					t.Fatalf("cmd %v missing in %v", x, cmds)
				}
			}

			success = true
			break
		}

		if !success {
			t.Fatalf("term changed too often")
		}
		cfg.end()
	})
}

// TestRejoin2B: a partitioned leader with uncommitted entries rejoins.
func TestRejoin2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): rejoin of partitioned leader")

		cfg.one(101, servers, true)

		// leader network failure
		leader1 := cfg.checkOneLeader()
		cfg.disconnect(leader1)

		// make old leader try to agree on some entries
		cfg.raftAt(leader1).Start(102)
		cfg.raftAt(leader1).Start(103)
		cfg.raftAt(leader1).Start(104)

		// new leader commits, also for index=2
		cfg.one(103, 2, true)

		// new leader network failure
		leader2 := cfg.checkOneLeader()
		cfg.disconnect(leader2)

		// old leader connected again
		cfg.connect(leader1)

		cfg.one(104, 2, true)

		// all together now
		cfg.connect(leader2)

		cfg.one(105, servers, true)
		cfg.end()
	})
}

// TestBackup2B: a leader brings a follower with many conflicting entries up
// to date quickly.
func TestBackup2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): leader backs up quickly over incorrect follower logs")

		cfg.one(t.Rand.Int(), servers, true)

		// put leader and one follower in a partition
		leader1 := cfg.checkOneLeader()
		cfg.disconnect((leader1 + 2) % servers)
		cfg.disconnect((leader1 + 3) % servers)
		cfg.disconnect((leader1 + 4) % servers)

		// submit lots of commands that won't commit
		for i := 0; i < 50; i++ {
			cfg.raftAt(leader1).Start(t.Rand.Int())
		}

		sleep(electionTimeout / 2)

		cfg.disconnect((leader1 + 0) % servers)
		cfg.disconnect((leader1 + 1) % servers)

		// allow other partition to recover
		cfg.connect((leader1 + 2) % servers)
		cfg.connect((leader1 + 3) % servers)
		cfg.connect((leader1 + 4) % servers)

		// lots of successful commands to new group.
		for i := 0; i < 50; i++ {
			cfg.one(t.Rand.Int(), 3, true)
		}

		// now another partitioned leader and one follower
		leader2 := cfg.checkOneLeader()
		other := (leader1 + 2) % servers
		if leader2 == other {
			other = (leader2 + 1) % servers
		}
		cfg.disconnect(other)

		// lots more commands that won't commit
		for i := 0; i < 50; i++ {
			cfg.raftAt(leader2).Start(t.Rand.Int())
		}

		sleep(electionTimeout / 2)

		// bring original leader back to life,
		for i := 0; i < servers; i++ {
			cfg.disconnect(i)
		}
		cfg.connect((leader1 + 0) % servers)
		cfg.connect((leader1 + 1) % servers)
		cfg.connect(other)

		// lots of successful commands to new group.
		for i := 0; i < 50; i++ {
			cfg.one(t.Rand.Int(), 3, true)
		}

		// now everyone
		for i := 0; i < servers; i++ {
			cfg.connect(i)
		}
		cfg.one(t.Rand.Int(), servers, true)
		cfg.end()
	})
}

// TestCount2B bounds the number of RPCs: elections, agreements and idle
// heartbeats must not flood the network.
func TestCount2B(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2B): RPC counts aren't too high")

		rpcs := func() (n int) {
			for j := 0; j < servers; j++ {
				n += cfg.rpcCount(j)
			}
			return
		}

		cfg.checkOneLeader()

		total1 := rpcs()
		if total1 > 30 || total1 < 1 {
			t.Fatalf("too many or few RPCs (%v) to elect initial leader", total1)
		}

		var total2 int
		var success bool
	loop:
		for try := 0; try < 5; try++ {
			if try > 0 {
				// give solution some time to settle
				sleep(3 * sec)
			}

			leader := cfg.checkOneLeader()
			total1 = rpcs()

			iters := 10
			starti, term, ok := cfg.raftAt(leader).Start(1)
			if !ok {
				// leader moved on really quickly
				continue
			}
			var cmds []int
			for i := 1; i < iters+2; i++ {
				x := t.Rand.Int()
				cmds = append(cmds, x)
				index1, term1, ok := cfg.raftAt(leader).Start(x)
				if term1 != term {
					// Term changed while starting
					continue loop
				}
				if !ok {
					// No longer the leader, so term has changed
					continue loop
				}
				if starti+i != index1 {
					t.Fatalf("Start() failed")
				}
			}

			for i := 1; i < iters+1; i++ {
				cmd := cfg.wait(starti+i, servers, term)
				if ix, ok := cmd.(int); !ok || ix != cmds[i-1] {
					if ix == -1 {
						// term changed -- try again
						continue loop
					}
					t.Fatalf("wrong value %v committed for index %v; expected %v", cmd, starti+i, cmds)
				}
			}

			failed := false
			total2 = 0
			for j := 0; j < servers; j++ {
				if t, _ := cfg.raftAt(j).GetState(); t != term {
					// term changed -- can't expect low RPC counts
					// need to keep going to update total2
					failed = true
				}
				total2 += cfg.rpcCount(j)
			}

			if failed {
				continue loop
			}

			if total2-total1 > (iters+1+3)*3 {
				t.Fatalf("too many RPCs (%v) for %v entries", total2-total1, iters)
			}

			success = true
			break
		}

		if !success {
			t.Fatalf("term changed too often")
		}

		sleep(electionTimeout)

		total3 := 0
		for j := 0; j < servers; j++ {
			total3 += cfg.rpcCount(j)
		}

		if total3-total2 > 3*20 {
			t.Fatalf("too many RPCs (%v) for 1 second of idleness", total3-total2)
		}
		cfg.end()
	})
}
