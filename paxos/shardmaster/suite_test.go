package shardmaster

// The 2015 scenarios (lab 4 part A) in our own words, under their 2015
// names, on labrpc in virtual time.

import (
	"testing"
	"time"

	"distlabs/test/kvtest"
	"distlabs/test/labtest"
)

// TestBasic: joins and leaves (repeated ones included) keep the groups
// and a balanced assignment, every historical configuration can be
// queried, Move pins shards, concurrent joins and leaves through different
// replicas, Paxos memory is released, and joins and leaves move only the
// shards they must.
func TestBasic(t *testing.T) {
	const n = 3
	run(t, n, "basic leave/join, history, move, minimal transfers", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		cka := cfg.clerksOn(0, 1, 2)

		var history []Config
		history = append(history, cfg.check(ck))
		ck.Join(1, []string{"x", "y", "z"})
		history = append(history, cfg.check(ck, 1))
		ck.Join(2, []string{"a", "b", "c"})
		history = append(history, cfg.check(ck, 1, 2))
		ck.Join(2, []string{"a", "b", "c"})
		history = append(history, cfg.check(ck, 1, 2))
		c := ck.Query(-1)
		if got := c.Groups[1]; len(got) != 3 || got[0] != "x" || got[1] != "y" || got[2] != "z" {
			t.Fatalf("servers of gid 1: %v, want [x y z]", got)
		}
		if got := c.Groups[2]; len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
			t.Fatalf("servers of gid 2: %v, want [a b c]", got)
		}
		ck.Leave(1)
		history = append(history, cfg.check(ck, 2))
		ck.Leave(1)
		history = append(history, cfg.check(ck, 2))

		// Historical queries, through every replica.
		for _, want := range history {
			for i, one := range cka {
				if d := sameConfig(one.Query(want.Num), want); d != "" {
					t.Fatalf("Query(%d) at replica %d: %s", want.Num, i, d)
				}
			}
		}

		// Move pins shards: the first half on 503, the rest on 504.
		ck.Join(503, []string{"3a", "3b", "3c"})
		ck.Join(504, []string{"4a", "4b", "4c"})
		for s := 0; s < NShards; s++ {
			gid := int64(503)
			if s >= NShards/2 {
				gid = 504
			}
			before := ck.Query(-1)
			ck.Move(s, gid)
			if before.Shards[s] != gid {
				if after := ck.Query(-1); after.Num <= before.Num {
					t.Fatalf("Move(%d, %d) left the latest config at %d", s, gid, after.Num)
				}
			}
		}
		c = ck.Query(-1)
		for s := 0; s < NShards; s++ {
			want := int64(503)
			if s >= NShards/2 {
				want = 504
			}
			if c.Shards[s] != want {
				t.Fatalf("after the Moves shard %d is on gid %d, want %d", s, c.Shards[s], want)
			}
		}
		ck.Leave(503)
		ck.Leave(504)

		// Concurrent joins and leaves through different replicas.
		const npara = 10
		gids := make([]int64, npara)
		for i := range gids {
			gids[i] = int64(i + 1)
		}
		parallel(npara, func(i int) {
			gid := gids[i]
			cka[i%n].Join(gid+1000, []string{"a", "b", "c"})
			cka[i%n].Join(gid, []string{"a", "b", "c"})
			cka[(i+1)%n].Leave(gid + 1000)
		})
		cfg.check(ck, gids...)

		// Every replica applied what it agreed on and said so (Done), so
		// Paxos forgets the first instances everywhere.
		deadline := time.Now().Add(5 * sec)
		for i := 0; i < n; i++ {
			for cfg.server(i).px.Min() <= 0 {
				if time.Now().After(deadline) {
					t.Fatalf("replica %d: Paxos Min() is still %d after the joins: the replicas do not call Done on what they applied", i, cfg.server(i).px.Min())
				}
				time.Sleep(100 * ms)
			}
		}

		// Joins move shards only to the new groups.
		c1 := ck.Query(-1)
		for i := 0; i < 5; i++ {
			ck.Join(int64(npara+1+i), []string{"a", "b", "c"})
		}
		c2 := ck.Query(-1)
		for s := 0; s < NShards; s++ {
			if g := c2.Shards[s]; g <= npara && c1.Shards[s] != g {
				t.Fatalf("non-minimal transfer after Joins: shard %d moved from gid %d to old gid %d", s, c1.Shards[s], g)
			}
		}
		// Leaves move only the leaving groups' shards.
		for i := 0; i < 5; i++ {
			ck.Leave(int64(npara + 1 + i))
		}
		c3 := ck.Query(-1)
		for s := 0; s < NShards; s++ {
			if g := c2.Shards[s]; g <= npara && c3.Shards[s] != g {
				t.Fatalf("non-minimal transfer after Leaves: shard %d moved from staying gid %d to gid %d", s, g, c3.Shards[s])
			}
		}
		cfg.end()
	})
}

// TestUnreliable: concurrent joins and leaves through replicas 1 and 2
// while replica 0 hears nothing (as in 2015, where its socket was removed:
// it can still send). The result is checked through replica 0's peers.
func TestUnreliable(t *testing.T) {
	const n = 3
	run(t, n, "concurrent leave/join, failure", func(t *labtest.T, cfg *config) {
		ck := cfg.makeClerk()
		cka := cfg.clerksOn(0, 1, 2)
		cfg.g.Deafen(0)
		const npara = 20
		gids := make([]int64, npara)
		for i := range gids {
			gids[i] = int64(i + 1)
		}
		parallel(npara, func(i int) {
			r := kvtest.ClientRand(t.Seed, i)
			gid := gids[i]
			cka[1+r.IntN(2)].Join(gid+1000, []string{"a", "b", "c"})
			cka[1+r.IntN(2)].Join(gid, []string{"a", "b", "c"})
			cka[1+r.IntN(2)].Leave(gid + 1000)
		})
		cfg.check(ck, gids...)
		cfg.end()
	})
}

// TestFreshQuery: a replica that hears nothing from its peers must not
// answer Query(-1) from its own stale copy: it learns the latest
// configuration through Paxos first.
func TestFreshQuery(t *testing.T) {
	const n = 3
	run(t, n, "Query() returns latest configuration", func(t *labtest.T, cfg *config) {
		cfg.g.Deafen(0)
		ck0, ck1 := cfg.makeClerk(0), cfg.makeClerk(1)
		ck1.Join(1001, []string{"a", "b", "c"})
		c := ck0.Query(-1)
		if _, ok := c.Groups[1001]; !ok {
			t.Fatalf("Query(-1) at the deaf replica 0 produced a stale configuration %d without the group joined through replica 1", c.Num)
		}
		cfg.end()
	})
}
