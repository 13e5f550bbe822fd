package raft_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"distlabs/test/labtest"
)

func TestPersist12C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): basic persistence")

		cfg.one(11, servers, true)

		// crash and re-start all
		for i := 0; i < servers; i++ {
			cfg.start1(i)
		}
		for i := 0; i < servers; i++ {
			cfg.disconnect(i)
			cfg.connect(i)
		}

		cfg.one(12, servers, true)

		leader1 := cfg.checkOneLeader()
		cfg.disconnect(leader1)
		cfg.start1(leader1)
		cfg.connect(leader1)

		cfg.one(13, servers, true)

		leader2 := cfg.checkOneLeader()
		cfg.disconnect(leader2)
		cfg.one(14, servers-1, true)
		cfg.start1(leader2)
		cfg.connect(leader2)

		cfg.wait(4, servers, -1) // wait for leader2 to join before killing i3

		i3 := (cfg.checkOneLeader() + 1) % servers
		cfg.disconnect(i3)
		cfg.one(15, servers-1, true)
		cfg.start1(i3)
		cfg.connect(i3)

		cfg.one(16, servers, true)
		cfg.end()
	})
}

func TestPersist22C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): more persistence")

		index := 1
		for iters := 0; iters < 5; iters++ {
			cfg.one(10+index, servers, true)
			index++

			leader1 := cfg.checkOneLeader()

			cfg.disconnect((leader1 + 1) % servers)
			cfg.disconnect((leader1 + 2) % servers)

			cfg.one(10+index, servers-2, true)
			index++

			cfg.disconnect((leader1 + 0) % servers)
			cfg.disconnect((leader1 + 3) % servers)
			cfg.disconnect((leader1 + 4) % servers)

			cfg.start1((leader1 + 1) % servers)
			cfg.start1((leader1 + 2) % servers)
			cfg.connect((leader1 + 1) % servers)
			cfg.connect((leader1 + 2) % servers)

			sleep(electionTimeout)

			cfg.start1((leader1 + 3) % servers)
			cfg.connect((leader1 + 3) % servers)

			cfg.one(10+index, servers-2, true)
			index++

			cfg.connect((leader1 + 4) % servers)
			cfg.connect((leader1 + 0) % servers)
		}

		cfg.one(1000, servers, true)
		cfg.end()
	})
}

func TestPersist32C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 3
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): partitioned leader and one follower crash, leader restarts")

		cfg.one(101, 3, true)

		leader := cfg.checkOneLeader()
		cfg.disconnect((leader + 2) % servers)

		cfg.one(102, 2, true)

		cfg.crash1((leader + 0) % servers)
		cfg.crash1((leader + 1) % servers)
		cfg.connect((leader + 2) % servers)
		cfg.start1((leader + 0) % servers)
		cfg.connect((leader + 0) % servers)

		cfg.one(103, 2, true)

		cfg.start1((leader + 1) % servers)
		cfg.connect((leader + 1) % servers)

		cfg.one(104, servers, true)
		cfg.end()
	})
}

// TestFigure82C: the scenario of Figure 8 of the Raft paper, played many
// times at random. A few servers crash and restart after the leader
// appended entries, and some of those may commit.
func TestFigure82C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, false, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): Figure 8")

		cfg.one(t.Rand.Int(), 1, true)

		nup := servers
		for iters := 0; iters < 1000; iters++ {
			leader := -1
			for i := 0; i < servers; i++ {
				if rf := cfg.raftAt(i); rf != nil {
					if _, _, ok := rf.Start(t.Rand.Int()); ok {
						leader = i
					}
				}
			}

			if t.Rand.IntN(1000) < 100 {
				sleep(ms * sleepRand(t, electionTimeout/ms/2))
			} else {
				sleep(ms * sleepRand(t, 13))
			}

			if leader != -1 {
				cfg.crash1(leader)
				nup--
			}

			if nup < 3 {
				s := t.Rand.IntN(servers)
				if cfg.raftAt(s) == nil {
					cfg.start1(s)
					cfg.connect(s)
					nup++
				}
			}
		}

		for i := 0; i < servers; i++ {
			if cfg.raftAt(i) == nil {
				cfg.start1(i)
				cfg.connect(i)
			}
		}

		cfg.one(t.Rand.Int(), servers, true)
		cfg.end()
	})
}

func TestUnreliableAgree2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, true, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): unreliable agreement")

		var wg sync.WaitGroup
		defer wg.Wait() // no goroutine outlives the test, even on failure
		for iters := 1; iters < 50; iters++ {
			for j := 0; j < 4; j++ {
				wg.Add(1)
				go func(iters, j int) {
					defer wg.Done()
					if _, err := cfg.tryOne((100*iters)+j, 1, true); err != nil {
						t.Error(err)
					}
				}(iters, j)
			}
			cfg.one(iters, 1, true)
		}

		cfg.setUnreliable(false)
		wg.Wait()

		cfg.one(100, servers, true)
		cfg.end()
	})
}

func TestFigure8Unreliable2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		servers := 5
		cfg := makeConfig(t, servers, true, false)
		defer cfg.cleanup()
		cfg.begin("Test (2C): Figure 8 (unreliable)")

		cfg.one(t.Rand.IntN(10000), 1, true)

		nup := servers
		for iters := 0; iters < 1000; iters++ {
			if iters == 200 {
				cfg.setLongReordering(true)
			}
			leader := -1
			for i := 0; i < servers; i++ {
				if _, _, ok := cfg.raftAt(i).Start(t.Rand.IntN(10000)); ok && cfg.isConnected(i) {
					leader = i
				}
			}

			if t.Rand.IntN(1000) < 100 {
				sleep(ms * sleepRand(t, electionTimeout/ms/2))
			} else {
				sleep(ms * sleepRand(t, 13))
			}

			if leader != -1 && t.Rand.IntN(1000) < int(electionTimeout/ms)/2 {
				cfg.disconnect(leader)
				nup--
			}

			if nup < 3 {
				s := t.Rand.IntN(servers)
				if !cfg.isConnected(s) {
					cfg.connect(s)
					nup++
				}
			}
		}

		for i := 0; i < servers; i++ {
			if !cfg.isConnected(i) {
				cfg.connect(i)
			}
		}

		cfg.one(t.Rand.IntN(10000), servers, true)
		cfg.end()
	})
}

// internalChurn: clients submit commands while servers crash, restart,
// disconnect and reconnect at random; at the end every command a client saw
// committed must be in the agreed log.
func internalChurn(t *labtest.T, unreliable bool) {
	servers := 5
	cfg := makeConfig(t, servers, unreliable, false)
	defer cfg.cleanup()
	if unreliable {
		cfg.begin("Test (2C): unreliable churn")
	} else {
		cfg.begin("Test (2C): churn")
	}

	var stop atomic.Bool

	// create concurrent clients
	cfn := func(me int, ch chan []int) {
		var ret []int
		defer func() { ch <- ret }()
		for !stop.Load() {
			x := int(t.Rand.Int32())
			index := -1
			ok := false
			for i := 0; i < servers; i++ {
				// try them all, maybe one of them is a leader
				if rf := cfg.raftAt(i); rf != nil {
					index1, _, ok1 := rf.Start(x)
					if ok1 {
						ok = ok1
						index = index1
					}
				}
			}
			if ok {
				// maybe leader will commit our value, maybe not.
				// but don't wait forever.
				for _, to := range []int{10, 20, 50, 100, 200} {
					nd, cmd := cfg.peek(index)
					if nd > 0 {
						if xx, ok := cmd.(int); ok && xx == x {
							ret = append(ret, x)
						}
						break
					}
					sleep(ms * timeDuration(to))
				}
				// Think time. In virtual time a reliable RPC takes no
				// time at all, so without it each client would commit
				// a command every 10 ms and the log would reach
				// thousands of entries, far more than real-time runs
				// produce (and persisting it would cost seconds of CPU).
				sleep(churnThinkTime)
			} else {
				sleep(ms * timeDuration(79+me*17))
			}
		}
	}

	ncli := 3
	cha := make([]chan []int, ncli)
	for i := 0; i < ncli; i++ {
		cha[i] = make(chan []int, 1)
		go cfn(i, cha[i])
	}
	// Stop and collect the clients even if the test fails early, so no
	// goroutine outlives the test.
	received := 0
	defer func() {
		stop.Store(true)
		for ; received < ncli; received++ {
			<-cha[received]
		}
	}()

	for iters := 0; iters < 20; iters++ {
		if t.Rand.IntN(1000) < 200 {
			i := t.Rand.IntN(servers)
			cfg.disconnect(i)
		}

		if t.Rand.IntN(1000) < 500 {
			i := t.Rand.IntN(servers)
			if cfg.raftAt(i) == nil {
				cfg.start1(i)
			}
			cfg.connect(i)
		}

		if t.Rand.IntN(1000) < 200 {
			i := t.Rand.IntN(servers)
			if cfg.raftAt(i) != nil {
				cfg.crash1(i)
			}
		}

		// Make crash/restart infrequent enough that the peers can often
		// keep up, but not so infrequent that everything has settled
		// down from one change to the next. Pick a value smaller than
		// the election timeout, but not hugely smaller.
		sleep(electionTimeout * 7 / 10)
	}

	sleep(electionTimeout)
	cfg.setUnreliable(false)
	for i := 0; i < servers; i++ {
		if cfg.raftAt(i) == nil {
			cfg.start1(i)
		}
		cfg.connect(i)
	}

	stop.Store(true)

	var values []int
	clientFailed := false
	for ; received < ncli; received++ {
		vv := <-cha[received]
		if vv == nil {
			clientFailed = true
		}
		values = append(values, vv...)
	}
	if clientFailed {
		t.Fatal("client failed")
	}

	sleep(electionTimeout)

	lastIndex := cfg.one(t.Rand.Int(), servers, true)

	var really []int
	for index := 1; index <= lastIndex; index++ {
		v := cfg.wait(index, servers, -1)
		if vi, ok := v.(int); ok {
			really = append(really, vi)
		} else {
			t.Fatalf("not an int")
		}
	}

	for _, v1 := range values {
		found := false
		for _, v2 := range really {
			if v1 == v2 {
				found = true
			}
		}
		if !found {
			t.Fatalf("didn't find a value")
		}
	}
	cfg.end()
}

// churnThinkTime is how long a churn client pauses after each command.
const churnThinkTime = 40 * ms

func TestReliableChurn2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { internalChurn(t, false) })
}

func TestUnreliableChurn2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { internalChurn(t, true) })
}
