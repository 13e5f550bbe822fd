package raft_test

// Part 2C on a whole cluster: persistence (the state Figure 2 marks
// persistent) and the safety argument of §5.4 under crashes, restarts and an
// unreliable network. The per-rule tests are in rules_paper_test.go, the long
// randomized run in nemesis_test.go.

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// TestPersist12C: Figure 2 — currentTerm, votedFor and log[] are persisted
// before a peer answers, so a peer that restarts (all at once, the leader,
// or a follower that missed entries) comes back with its log and the cluster
// keeps committing.
func TestPersist12C(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2C): restarts keep term, vote and log", func(t *labtest.T, cfg *config) {
		cfg.one(11, n, true)

		// Every peer down and up again: only persisted state survives.
		cfg.rebootAll()
		cfg.one(12, n, true)

		// Restart the leader alone; it must rejoin as a follower.
		cfg.restart(cfg.checkOneLeader())
		cfg.one(13, n, true)

		// A leader misses an entry while away, then restarts: its
		// persisted log is one short and the new leader extends it.
		behind := cfg.checkOneLeader()
		cfg.disconnect(behind)
		cfg.one(14, n-1, true)
		cfg.restart(behind)

		// Index 4 must reach it before a second peer leaves, or two of
		// the three would be behind at the same time.
		cfg.wait(4, n, -1)

		follower := (cfg.checkOneLeader() + 1) % n
		cfg.disconnect(follower)
		cfg.one(15, n-1, true)
		cfg.restart(follower)

		cfg.one(16, n, true)
	})
}

// TestPersist22C: five peers, five rounds. In each, two followers miss an
// entry and then restart; with a third restarted peer that has the entry
// they make a majority. §5.4.1: only a peer whose persisted log holds every
// committed entry can win that election, so nothing committed is lost.
func TestPersist22C(t *testing.T) {
	const n = 5
	const rounds = 5
	cluster(t, n, false, false, "Test (2C): majorities of restarted peers", func(t *labtest.T, cfg *config) {
		cmd := 10
		agree := func(peers int) {
			cmd++
			cfg.one(cmd, peers, true)
		}

		for round := 0; round < rounds; round++ {
			agree(n)

			leader := cfg.checkOneLeader()
			laggards := cfg.peerRange(leader+1, 2)
			witness := (leader + 3) % n
			last := (leader + 4) % n

			// The laggards miss this entry.
			cfg.disconnectAll(laggards...)
			agree(n - 2)

			// Everyone else goes away and the laggards restart; two of
			// five cannot elect anyone.
			cfg.disconnectAll(leader, witness, last)
			for _, p := range laggards {
				cfg.start1(p)
			}
			cfg.connectAll(laggards...)
			sleep(electionTimeout)

			// A restarted witness that holds the missed entry joins
			// them: now three, and the witness must be the one elected.
			cfg.restart(witness)
			agree(n - 2)

			cfg.connectAll(last, leader)
		}

		cfg.one(1000, n, true)
	})
}

// TestPersist32C: §5.4.1 — the leader and one follower commit an entry the
// third peer lacks, then both crash. The leader restarts next to the lagging
// peer; only the restarted leader's persisted log has the entry, so it must
// win, and that entry must survive.
func TestPersist32C(t *testing.T) {
	const n = 3
	cluster(t, n, false, false, "Test (2C): leader and a follower crash, the leader restarts", func(t *labtest.T, cfg *config) {
		cfg.one(101, 3, true)

		leader := cfg.checkOneLeader()
		follower := (leader + 1) % n
		lagging := (leader + 2) % n

		cfg.disconnect(lagging)
		cfg.one(102, 2, true)

		cfg.crash1(leader)
		cfg.crash1(follower)
		cfg.connect(lagging)
		cfg.restart(leader)
		cfg.one(103, 2, true)

		cfg.restart(follower)
		cfg.one(104, n, true)
	})
}

// figure8Steps is how many leader crashes (or disconnections) the Figure 8
// tests try; figure8MinUp is how few peers they let stay up.
const (
	figure8Steps = 1000
	figure8MinUp = 3
)

// figure8Pause waits before the next fault: usually under 13 ms, so that a
// leader fails while its entries are still spreading; one time in ten up to
// half an election timeout, so that elections finish and entries commit.
func figure8Pause(cfg *config) {
	if cfg.t.Rand.IntN(1000) < 100 {
		pauseMs(cfg, electionTimeout/2)
	} else {
		pauseMs(cfg, 13*ms)
	}
}

// TestFigure82C replays the situation of Figure 8 (§5.4.2) again and again:
// leaders append entries and crash before those spread, peers come back with
// stale logs, new leaders arise in later terms. A leader that commits an
// entry of an earlier term by counting replicas can see it overwritten later;
// the harness then finds two values applied at one index. At the end every
// peer restarts at once and the committed log must still be there.
func TestFigure82C(t *testing.T) {
	const n = 5
	cluster(t, n, false, false, "Test (2C): Figure 8 with crashes", func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.Int(), 1, true)

		randomCmd := func() interface{} { return t.Rand.Int() }
		up := n
		for step := 0; step < figure8Steps; step++ {
			accepted := cfg.offerAll(randomCmd)
			figure8Pause(cfg)

			// Crash whoever was leading.
			if len(accepted) > 0 {
				cfg.crash1(accepted[len(accepted)-1].peer)
				up--
			}
			// Bring a crashed peer back when too few are up.
			if up < figure8MinUp {
				if p := t.Rand.IntN(n); cfg.raftAt(p) == nil {
					cfg.restart(p)
					up++
				}
			}
		}

		cfg.healAll()
		cfg.one(t.Rand.Int(), n, true)
		// The restarts above do not show that the log survives one: a
		// peer restarted empty is simply caught up by the leader.
		cfg.checkRestartKeepsLog()
	})
}

// TestUnreliableAgree2C: §5.3 — over a network that drops, delays and
// duplicates RPCs, leaders retry AppendEntries until they get an answer and
// followers treat repeated or stale entries as no-ops; many clients
// submitting at once still all see their commands commit, and the log they
// commit survives a restart of every peer (Figure 2: it is persistent state).
func TestUnreliableAgree2C(t *testing.T) {
	const n = 5
	const rounds = 49
	const clients = 4
	cluster(t, n, true, false, "Test (2C): agreement over a lossy network", func(t *labtest.T, cfg *config) {
		var wg sync.WaitGroup
		defer wg.Wait() // the clients finish before the body returns, pass or fail
		for round := 1; round <= rounds; round++ {
			for c := 0; c < clients; c++ {
				wg.Add(1)
				go func(cmd int) {
					defer wg.Done()
					if _, err := cfg.tryOne(cmd, 1, true); err != nil {
						t.Error(err)
					}
				}(100*round + c)
			}
			cfg.one(round, 1, true)
		}

		cfg.setUnreliable(false)
		wg.Wait()

		cfg.one(100, n, true)
		cfg.checkRestartKeepsLog()
	})
}

// TestFigure8Unreliable2C: the Figure 8 situation (§5.4.2) with lost and
// delayed messages, and from step 200 on long reordering as well, so that
// AppendEntries from deposed leaders arrive late. A follower that lets such
// a message cut its log short, or a leader that counts its reply, breaks
// agreement. At the end every peer restarts at once and the committed log
// must still be there.
func TestFigure8Unreliable2C(t *testing.T) {
	const n = 5
	const reorderFrom = 200
	cluster(t, n, true, false, "Test (2C): Figure 8 over a lossy, reordering network", func(t *labtest.T, cfg *config) {
		cfg.one(t.Rand.IntN(10000), 1, true)

		randomCmd := func() interface{} { return t.Rand.IntN(10000) }
		up := n
		for step := 0; step < figure8Steps; step++ {
			if step == reorderFrom {
				cfg.setLongReordering(true)
			}

			// The leader here is the last connected peer that
			// accepted; a cut-off one may still think it leads.
			leader := -1
			for _, a := range cfg.offerAll(randomCmd) {
				if cfg.isConnected(a.peer) {
					leader = a.peer
				}
			}
			figure8Pause(cfg)

			// Half the time, cut the leader off.
			if leader != -1 && t.Rand.IntN(1000) < 500 {
				cfg.disconnect(leader)
				up--
			}
			if up < figure8MinUp {
				if p := t.Rand.IntN(n); !cfg.isConnected(p) {
					cfg.connect(p)
					up++
				}
			}
		}

		cfg.healAll()
		cfg.one(t.Rand.IntN(10000), n, true)
		cfg.setUnreliable(false)
		cfg.setLongReordering(false)
		cfg.checkRestartKeepsLog()
	})
}

// churnThinkTime: after each accepted command a churn client idles this
// long. Virtual time charges nothing for a reliable RPC, so a client that
// never idled would land a command roughly once per 10 ms; the log would
// run to thousands of entries, many times what a real-time run produces,
// and re-persisting it would burn seconds of CPU.
const churnThinkTime = 40 * ms

// churn is TestReliableChurn2C and TestUnreliableChurn2C. Three clients keep
// offering commands to whichever peer accepts them, while for twenty rounds
// peers are cut off, reconnected, crashed and restarted at random. Leader
// Completeness and State Machine Safety (§5.4, Figure 3) demand that any
// command observed as applied is in the log all peers end up agreeing on,
// and that log survives a restart of every peer.
func churn(t *labtest.T, unreliable bool) {
	const (
		n       = 5
		clients = 3
		rounds  = 20
	)
	cfg := makeConfig(t, n, unreliable, false)
	defer cfg.cleanup()
	desc := "Test (2C): clients during churn"
	if unreliable {
		desc = "Test (2C): clients during churn, lossy network"
	}
	cfg.begin(desc)

	var stop atomic.Bool
	results := make([]chan []int, clients)
	for c := range results {
		results[c] = make(chan []int, 1)
		go churnClient(cfg, c, &stop, results[c])
	}
	// On any exit, including an early failure, stop the clients and wait
	// for each one: labtest reports goroutines left running as leaks.
	collected := 0
	defer func() {
		stop.Store(true)
		for ; collected < clients; collected++ {
			<-results[collected]
		}
	}()

	chance := func(perMille int) bool { return t.Rand.IntN(1000) < perMille }
	for round := 0; round < rounds; round++ {
		if chance(200) {
			cfg.disconnect(t.Rand.IntN(n))
		}
		if chance(500) {
			p := t.Rand.IntN(n)
			if cfg.raftAt(p) == nil {
				cfg.start1(p)
			}
			cfg.connect(p)
		}
		if chance(200) {
			if p := t.Rand.IntN(n); cfg.raftAt(p) != nil {
				cfg.crash1(p)
			}
		}
		// 0.7 election timeouts between changes: long enough that a new
		// leader is often in place and serving before the next fault,
		// short enough that the cluster rarely reaches a quiet state.
		sleep(electionTimeout * 7 / 10)
	}

	sleep(electionTimeout)
	cfg.setUnreliable(false)
	cfg.healAll()
	stop.Store(true)

	var seen []int
	starved := false
	for ; collected < clients; collected++ {
		got := <-results[collected]
		if got == nil {
			starved = true
		}
		seen = append(seen, got...)
	}
	if starved {
		t.Fatal("a churn client never saw one of its commands applied")
	}

	sleep(electionTimeout)

	last := cfg.one(t.Rand.Int(), n, true)
	var agreed []int
	for index := 1; index <= last; index++ {
		v := cfg.wait(index, n, -1)
		x, isInt := v.(int)
		if !isInt {
			t.Fatalf("index %d holds %v, which is not an int", index, v)
		}
		agreed = append(agreed, x)
	}
	for _, cmd := range seen {
		if !slices.Contains(agreed, cmd) {
			t.Fatalf("command %d was applied while a client watched but is missing from the final log", cmd)
		}
	}
	cfg.checkRestartKeepsLog()
	cfg.end()
}

// churnClient offers random commands to every running peer until stop is
// set, then sends on out the commands it saw applied at the index the
// accepting peer gave it (nil if none).
func churnClient(cfg *config, id int, stop *atomic.Bool, out chan<- []int) {
	var seen []int
	defer func() { out <- seen }()

	// How long to keep looking at the index before giving up on it.
	polls := []time.Duration{10 * ms, 20 * ms, 50 * ms, 100 * ms, 200 * ms}

	for !stop.Load() {
		cmd := int(cfg.t.Rand.Int32())
		accepted := cfg.offerAll(func() interface{} { return cmd })
		if len(accepted) == 0 {
			// No leader at the moment. Back off by an amount that
			// differs per client, so the clients drift apart.
			sleep(ms * timeDuration(79+id*17))
			continue
		}
		index := accepted[len(accepted)-1].index
		for _, pause := range polls {
			if applied, v := cfg.peek(index); applied > 0 {
				if v == cmd {
					seen = append(seen, cmd)
				}
				break
			}
			sleep(pause)
		}
		sleep(churnThinkTime)
	}
}

func TestReliableChurn2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { churn(t, false) })
}

func TestUnreliableChurn2C(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) { churn(t, true) })
}
