package raft_test

// Part 2B on a whole cluster: log replication and commitment (§5.3, §5.4 of
// the extended Raft paper) while followers and leaders fail. Each test says
// which rule it leans on; rules_paper_test.go has the single-rule tests.

import (
	"slices"
	"sync"
	"testing"

	"distlabs/test/labtest"
)

// TestBasicAgree2B: §5.3 — the leader appends each command to its log,
// replicates it, and once it is committed every peer applies it; commands
// take consecutive indices starting at 1.
func TestBasicAgree2B(t *testing.T) {
	const n = 3
	const commands = 3
	cluster(t, n, false, false, "Test (2B): agreement on a few commands", func(t *labtest.T, cfg *config) {
		for want := 1; want <= commands; want++ {
			// Nothing may appear at an index before a command was
			// offered for it.
			if applied, _ := cfg.nCommitted(want); applied > 0 {
				t.Fatalf("%d peers applied index %d before any Start() for it", applied, want)
			}
			if got := cfg.one(want*100, n, false); got != want {
				t.Fatalf("command went to index %d, want %d", got, want)
			}
		}
	})
}

// TestRPCBytes2B: §5.3 — a leader sends each follower the entries from its
// nextIndex on and advances nextIndex once they are acknowledged, so each
// command crosses each link about once. Ten 5000-byte commands on three
// peers may use at most peers × payload plus 50 000 bytes.
func TestRPCBytes2B(t *testing.T) {
	const (
		n        = 3
		commands = 10
		cmdSize  = 5000
		overhead = 50000
	)
	cluster(t, n, false, false, "Test (2B): bytes sent per replicated command", func(t *labtest.T, cfg *config) {
		// Elect and replicate once before counting, so the budget
		// covers the payload traffic only.
		cfg.one(99, n, false)
		before := cfg.net.GetTotalBytes()

		var payload int64
		for k := 0; k < commands; k++ {
			cmd := randstring(t, cmdSize)
			if got, want := cfg.one(cmd, n, false), k+2; got != want {
				t.Fatalf("command went to index %d, want %d", got, want)
			}
			payload += int64(len(cmd))
		}
		used := cfg.net.GetTotalBytes() - before
		if budget := int64(n)*payload + overhead; used > budget {
			t.Fatalf("replicating %d bytes of commands took %d RPC bytes; the budget is %d", payload, used, budget)
		}
	})
}

// TestFollowerFailure2B: §5.3 — a leader commits once a majority stores an
// entry, so losing one follower of three does not stop progress; losing both
// means no entry may commit (Figure 2, Rules for Servers, Leaders: advance
// commitIndex only over entries a majority holds).
func TestFollowerFailure2B(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2B): followers fail one after another", func(t *labtest.T, cfg *config) {
		cfg.one(101, n, false)

		leader := cfg.checkOneLeader()
		cfg.disconnect((leader + 1) % n)

		// Leader plus one follower are two of three: still a majority,
		// before and after an election timeout has passed.
		cfg.one(102, n-1, false)
		sleep(electionTimeout)
		cfg.one(103, n-1, false)

		// Now strand the leader: both other peers go.
		leader = cfg.checkOneLeader()
		cfg.disconnectAll(cfg.peerRange(leader+1, n-1)...)

		index := cfg.mustStart(leader, 104)
		if index != 4 {
			t.Fatalf("the stranded leader put its command at index %d, want 4", index)
		}
		sleep(2 * electionTimeout)
		cfg.expectNotApplied(index)
	})
}

// TestLeaderFailure2B: §5.2 and §5.3 — when the leader goes the survivors
// elect a successor and keep committing; once a second leader is lost, a
// command accepted by any peer sits in a minority and must not commit.
func TestLeaderFailure2B(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2B): leaders fail one after another", func(t *labtest.T, cfg *config) {
		cfg.one(101, n, false)

		cfg.disconnect(cfg.checkOneLeader())

		// The two left elect one of themselves and go on committing.
		cfg.one(102, n-1, false)
		sleep(electionTimeout)
		cfg.one(103, n-1, false)

		// Lose the successor too, then offer the same command to every
		// peer, connected or not: whoever takes it holds it alone.
		cfg.disconnect(cfg.checkOneLeader())
		for p := 0; p < n; p++ {
			cfg.raftAt(p).Start(104)
		}
		sleep(2 * electionTimeout)
		cfg.expectNotApplied(4)
	})
}

// TestFailAgree2B: §5.3 — a follower that missed entries while cut off is
// repaired by the leader's AppendEntries consistency check once it is back,
// and then takes part in new agreements. Its term rose while it was alone,
// so its return may force an election; the later commands retry.
func TestFailAgree2B(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2B): a returning follower catches up", func(t *labtest.T, cfg *config) {
		cfg.one(101, n, false)

		absent := (cfg.checkOneLeader() + 1) % n
		cfg.disconnect(absent)

		// Entries it will have to fetch, spread across an election
		// timeout of its absence.
		cfg.one(102, n-1, false)
		cfg.one(103, n-1, false)
		sleep(electionTimeout)
		cfg.one(104, n-1, false)
		cfg.one(105, n-1, false)

		// Applying at all n peers means the returning one filled in
		// 102..105 first: the harness insists on in-order application.
		cfg.connect(absent)
		cfg.one(106, n, true)
		sleep(electionTimeout)
		cfg.one(107, n, true)
	})
}

// TestFailNoAgree2B: §5.3 — a leader that can reach only one of four
// followers cannot commit. The three that return are a majority by
// themselves and hold every committed entry, so one of them may win the next
// election (§5.4.1) and drop the uncommitted entry; the next command
// therefore lands at index 2 or 3.
func TestFailNoAgree2B(t *testing.T) {
	const n = 5
	cluster(t, n, false, false, "Test (2B): no commit when three of five are gone", func(t *labtest.T, cfg *config) {
		cfg.one(10, n, false)

		leader := cfg.checkOneLeader()
		away := cfg.peerRange(leader+1, 3)
		cfg.disconnectAll(away...)

		index := cfg.mustStart(leader, 20)
		if index != 2 {
			t.Fatalf("the minority leader put its command at index %d, want 2", index)
		}
		sleep(2 * electionTimeout)
		cfg.expectNotApplied(index)

		cfg.connectAll(away...)
		leader = cfg.checkOneLeader()
		if next := cfg.mustStart(leader, 30); next < 2 || next > 3 {
			t.Fatalf("after the heal a command went to index %d; only 2 or 3 are possible", next)
		}

		cfg.one(1000, n, true)
	})
}

// TestConcurrentStarts2B: Start is called from several goroutines at once;
// §5.3 — the leader gives each accepted command its own index in its current
// term, and all of them commit. An attempt during which the term moves
// proves nothing and is repeated, at most five times in all.
func TestConcurrentStarts2B(t *testing.T) {
	const n = 3
	const attempts = 5
	cluster(t, n, false, false, "Test (2B): Start() from several goroutines", func(t *labtest.T, cfg *config) {
		for attempt := 0; !concurrentStartsOnce(t, cfg, n); attempt++ {
			if attempt+1 == attempts {
				t.Fatalf("the term changed during all %d attempts", attempts)
			}
			sleep(3 * sec) // let elections settle before the next try
		}
	})
}

// concurrentStartsOnce hands the leader one command, then five more from
// separate goroutines, and checks that every one accepted in that term is
// applied by all n peers. It returns false when a term change makes the
// attempt inconclusive.
func concurrentStartsOnce(t *labtest.T, cfg *config, n int) bool {
	const parallel = 5
	const base = 100

	leader := cfg.checkOneLeader()
	_, term, ok := cfg.raftAt(leader).Start(1)
	if !ok {
		return false // deposed between the check and Start
	}

	indices := make(chan int, parallel)
	var wg sync.WaitGroup
	for k := 0; k < parallel; k++ {
		wg.Add(1)
		go func(cmd int) {
			defer wg.Done()
			if index, got, ok := cfg.raftAt(leader).Start(cmd); ok && got == term {
				indices <- index
			}
		}(base + k)
	}
	wg.Wait()
	close(indices)

	if !cfg.allInTerm(term) {
		return false
	}

	var applied []int
	for index := range indices {
		v := cfg.wait(index, n, term)
		cmd, isInt := v.(int)
		if !isInt {
			t.Fatalf("index %d holds %v, which is not an int", index, v)
		}
		if cmd == -1 {
			return false // a later term began; some commands may be lost
		}
		applied = append(applied, cmd)
	}
	for k := 0; k < parallel; k++ {
		if !slices.Contains(applied, base+k) {
			t.Fatalf("command %d is missing from the applied commands %v", base+k, applied)
		}
	}
	return true
}

// TestRejoin2B: §5.3 and §5.4.1 — a leader cut off with entries nobody else
// has keeps them only until it is back: its log ends in an older term than
// the other peers', so it cannot win an election, and the new leader
// overwrites its uncommitted suffix.
func TestRejoin2B(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2B): a cut-off leader returns", func(t *labtest.T, cfg *config) {
		cfg.one(101, n, true)

		stale := cfg.checkOneLeader()
		cfg.disconnect(stale)
		// Cut off, it still takes commands; none can commit.
		for _, cmd := range []int{102, 103, 104} {
			cfg.raftAt(stale).Start(cmd)
		}

		// The other two commit at index 2, which stale filled with 102.
		cfg.one(103, 2, true)

		// Swap who is missing: the new leader goes, stale returns.
		successor := cfg.checkOneLeader()
		cfg.disconnect(successor)
		cfg.connect(stale)
		cfg.one(104, 2, true)

		cfg.connect(successor)
		cfg.one(105, n, true)
	})
}

// TestBackup2B: §5.3 — when AppendEntries fails the consistency check the
// leader moves nextIndex back until the logs match and then replaces the
// follower's conflicting suffix. Here followers carry about fifty conflicting
// entries from older terms, and the leader must get past them quickly enough
// for every command to commit within one()'s limit.
func TestBackup2B(t *testing.T) {
	const n = 5
	const batch = 50
	const quorum = 3
	cluster(t, n, false, false, "Test (2B): leader overwrites long conflicting logs", func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.Int(), n, true)

		// A leader keeps one follower; the other three are cut off. The
		// pair stores a batch of entries that can never commit.
		first := cfg.checkOneLeader()
		pair := cfg.peerRange(first, 2)
		trio := cfg.peerRange(first+2, 3)
		cfg.disconnectAll(trio...)
		cfg.startMany(first, batch)
		sleep(electionTimeout / 2)

		// Swap sides: the three elect their own leader and commit a batch
		// at the indices where the pair holds stale entries.
		cfg.disconnectAll(pair...)
		cfg.connectAll(trio...)
		for k := 0; k < batch; k++ {
			cfg.one(t.Rand.Int(), quorum, true)
		}

		// Inside the three, the leader loses one follower and stores
		// another uncommittable batch with the one it keeps.
		second := cfg.checkOneLeader()
		dropped := (first + 2) % n
		if second == dropped {
			dropped = (second + 1) % n
		}
		cfg.disconnect(dropped)
		cfg.startMany(second, batch)
		sleep(electionTimeout / 2)

		// Only the first pair and the dropped peer are up now. The dropped
		// peer has every committed entry and must lead, overwriting the
		// pair's stale batch.
		cfg.disconnectAll(cfg.everyone()...)
		cfg.connectAll(append(pair, dropped)...)
		for k := 0; k < batch; k++ {
			cfg.one(t.Rand.Int(), quorum, true)
		}

		// Everyone together, including the peers holding the second
		// stale batch.
		cfg.connectAll(cfg.everyone()...)
		cfg.one(t.Rand.Int(), n, true)
	})
}

// TestCount2B bounds RPC traffic. §5.2: electing the first leader should
// take a handful of RequestVotes, not a storm; §5.3: in a stable term,
// agreeing on a dozen entries should cost about one AppendEntries per
// follower per entry; and an idle leader sends heartbeats at no more than
// the lab's 10 per second.
func TestCount2B(t *testing.T) {
	const (
		n              = 3
		attempts       = 5
		entries        = 10
		electionBudget = 30
		agreeBudget    = (entries + 1 + 3) * n // 42
		idleBudget     = 20 * n                // 60 in one idle second
	)
	cluster(t, n, false, false, "Test (2B): RPC budgets: election, agreement, idle", func(t *labtest.T, cfg *config) {
		cfg.checkOneLeader()
		if used := cfg.rpcsSoFar(); used < 1 || used > electionBudget {
			t.Fatalf("%d RPCs to elect the first leader; want between 1 and %d", used, electionBudget)
		}

		var settled int
		for attempt := 0; ; attempt++ {
			if attempt == attempts {
				t.Fatalf("the term changed during all %d attempts", attempts)
			}
			if attempt > 0 {
				sleep(3 * sec) // let elections settle before the next try
			}
			var ok bool
			if settled, ok = countAgreement(t, cfg, n, entries, agreeBudget); ok {
				break
			}
		}

		sleep(electionTimeout)
		if idle := cfg.rpcsSoFar() - settled; idle > idleBudget {
			t.Fatalf("%d RPCs in a second with nothing to replicate; the budget is %d", idle, idleBudget)
		}
	})
}

// countAgreement has the leader agree on entries+2 commands in one term and
// checks that it took at most budget RPCs. It returns the RPC total at the
// end, and false when a term change makes the count meaningless.
func countAgreement(t *labtest.T, cfg *config, n, entries, budget int) (int, bool) {
	leader := cfg.checkOneLeader()
	before := cfg.rpcsSoFar()

	first, term, ok := cfg.raftAt(leader).Start(1)
	if !ok {
		return 0, false
	}
	var sent []int
	for k := 1; k <= entries+1; k++ {
		cmd := t.Rand.Int()
		sent = append(sent, cmd)
		index, got, ok := cfg.raftAt(leader).Start(cmd)
		if !ok || got != term {
			return 0, false
		}
		if index != first+k {
			t.Fatalf("Start() gave index %d, want %d", index, first+k)
		}
	}

	for k := 1; k <= entries; k++ {
		v := cfg.wait(first+k, n, term)
		if v == -1 {
			return 0, false // a later term began
		}
		if cmd, isInt := v.(int); !isInt || cmd != sent[k-1] {
			t.Fatalf("index %d holds %v; the commands sent were %v", first+k, v, sent)
		}
	}

	stable := cfg.allInTerm(term)
	after := cfg.rpcsSoFar()
	if !stable {
		return after, false
	}
	if used := after - before; used > budget {
		t.Fatalf("%d RPCs to agree on %d entries; the budget is %d", used, entries, budget)
	}
	return after, true
}
