package chord

// The classic suite, by part: A (IDs, intervals, finger arithmetic), B
// (join, stabilise, notify, fingers, lookups), C (keys: Get/Put through
// any node, transfer on join and leave).

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"math/big"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// id returns the ID of value v on an m-bit ring.
func id(v uint64, m int) []byte {
	return new(big.Int).SetUint64(v).FillBytes(make([]byte, IDBytes(m)))
}

func TestHashKeyA(t *testing.T) {
	run(t, "Test (A): HashKey is SHA-1 cut to m bits", DefaultConfig(), func(t *labtest.T, cfg *config) {
		for _, m := range []int{1, 5, 8, 13, 16, 32, 160} {
			for _, key := range []string{"", "a", "node-17", "localhost:7070", "key with spaces"} {
				sum := sha1.Sum([]byte(key))
				want := new(big.Int).SetBytes(sum[:])
				want.Mod(want, new(big.Int).Lsh(big.NewInt(1), uint(m)))
				got := HashKey(key, m)
				if len(got) != IDBytes(m) {
					t.Fatalf("HashKey(%q, %d) has %d bytes, want %d", key, m, len(got), IDBytes(m))
				}
				if new(big.Int).SetBytes(got).Cmp(want) != 0 {
					t.Fatalf("HashKey(%q, %d) = %x, want %x (SHA-1 mod 2^%d)", key, m, got, want, m)
				}
			}
		}
		if !bytes.Equal(HashKey("x", 8), HashKey("x", 8)) {
			t.Fatalf("HashKey is not a function of its input")
		}
		cfg.net.Op()
	})
}

func TestBetweenA(t *testing.T) {
	run(t, "Test (A): Between and BetweenRightIncl, with wrap-around (m = 8)", DefaultConfig(), func(t *labtest.T, cfg *config) {
		const m = 8
		cases := []struct {
			x, a, b     uint64
			open, right bool
		}{
			{5, 1, 10, true, true},
			{1, 1, 10, false, false},
			{10, 1, 10, false, true},
			{0, 1, 10, false, false},
			{11, 1, 10, false, false},
			// wrap-around: (250, 5) holds 251..255 and 0..4
			{255, 250, 5, true, true},
			{0, 250, 5, true, true},
			{4, 250, 5, true, true},
			{5, 250, 5, false, true},
			{250, 250, 5, false, false},
			{100, 250, 5, false, false},
			// a == b: the whole ring but a; (a, a] is the whole ring
			{7, 7, 7, false, true},
			{8, 7, 7, true, true},
			{6, 7, 7, true, true},
			{0, 0, 0, false, true},
			{255, 0, 0, true, true},
			// adjacent ends: (3, 4) is empty
			{3, 3, 4, false, false},
			{4, 3, 4, false, true},
			{255, 255, 0, false, false},
			{0, 255, 0, false, true},
		}
		for _, c := range cases {
			x, a, b := id(c.x, m), id(c.a, m), id(c.b, m)
			if got := Between(x, a, b); got != c.open {
				t.Fatalf("Between(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.open)
			}
			if got := BetweenRightIncl(x, a, b); got != c.right {
				t.Fatalf("BetweenRightIncl(%d, %d, %d) = %v, want %v", c.x, c.a, c.b, got, c.right)
			}
		}
		// Exhaustively on a 4-bit ring: x in (a, b) iff walking up from a
		// reaches x before b.
		for a := range uint64(16) {
			for b := range uint64(16) {
				for x := range uint64(16) {
					open, right := false, false
					for k := a + 1; ; k++ {
						if k%16 == b {
							right = right || x == b
							break
						}
						if k%16 == x {
							open, right = true, true
						}
					}
					if b == a { // (a, a): the whole ring but a; (a, a]: all of it
						open, right = x != a, true
					}
					if got := Between(id(x, 4), id(a, 4), id(b, 4)); got != open {
						t.Fatalf("Between(%d, %d, %d) = %v, want %v (m = 4)", x, a, b, got, open)
					}
					if got := BetweenRightIncl(id(x, 4), id(a, 4), id(b, 4)); got != right {
						t.Fatalf("BetweenRightIncl(%d, %d, %d) = %v, want %v (m = 4)", x, a, b, got, right)
					}
				}
			}
		}
		cfg.net.Op()
	})
}

func TestFingerStartA(t *testing.T) {
	run(t, "Test (A): finger starts are n + 2^i mod 2^m", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cases := []struct {
			n    uint64
			i, m int
			want uint64
		}{
			{0, 0, 8, 1},
			{0, 7, 8, 128},
			{200, 6, 8, 8}, // 200 + 64 = 264 wraps to 8
			{255, 0, 8, 0}, // wraps to 0
			{128, 7, 8, 0}, // 128 + 128
			{10, 3, 4, 2},  // 10 + 8 = 18 mod 16
			{1<<32 - 1, 31, 32, 1<<31 - 1},
			{5, 0, 1, 0},
		}
		for _, c := range cases {
			got := FingerStart(id(c.n%(1<<c.m), c.m), c.i, c.m)
			if !bytes.Equal(got, id(c.want, c.m)) {
				t.Fatalf("FingerStart(%d, %d, m=%d) = %x, want %d", c.n, c.i, c.m, got, c.want)
			}
		}
		// Every finger of every node of an 8-bit ring.
		for n := range uint64(256) {
			for i := range 8 {
				want := (n + 1<<i) % 256
				if got := FingerStart(id(n, 8), i, 8); !bytes.Equal(got, id(want, 8)) {
					t.Fatalf("FingerStart(%d, %d, m=8) = %x, want %d", n, i, got, want)
				}
			}
		}
		cfg.net.Op()
	})
}

func TestCreateB(t *testing.T) {
	run(t, "Test (B): a lone node is its own successor and owns the ring", DefaultConfig(), func(t *labtest.T, cfg *config) {
		n := cfg.create()
		time.Sleep(time.Second)
		cfg.waitRing(5 * time.Second)
		for _, v := range []uint64{0, 1, 100, 255} {
			var reply FindReply
			err := n.RPC().FindSuccessor(&RemoteQuery{Id: n.Self().Id, Query: id(v, 8)}, &reply)
			if err != nil || !same(reply.Node, n.Self()) {
				t.Fatalf("lone node: successor of %d is %v (%v), want itself", v, reply.Node, err)
			}
		}
		cfg.waitFingers(5 * time.Second)
	})
}

func TestJoinB(t *testing.T) {
	run(t, "Test (B): nodes join one at a time and the ring stabilises", DefaultConfig(), func(t *labtest.T, cfg *config) {
		first := cfg.create()
		for k := 2; k <= 12; k++ {
			cfg.join(first)
			cfg.waitRing(10 * time.Second)
		}
	})
}

func TestConcurrentJoinsB(t *testing.T) {
	run(t, "Test (B): many nodes join at once through different members", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(4)
		vias := cfg.nodes()
		for k := range 20 {
			cfg.join(vias[k%len(vias)])
		}
		cfg.waitRing(60 * time.Second)
	})
}

func TestFingersB(t *testing.T) {
	run(t, "Test (B): finger tables equal the brute-force answer", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(16)
		cfg.waitFingers(30 * time.Second)
		for range 4 {
			cfg.join(cfg.random())
		}
		cfg.waitRing(30 * time.Second)
		cfg.waitFingers(30 * time.Second)
	})
}

func TestFindSuccessorB(t *testing.T) {
	run(t, "Test (B): every node finds the successor of every point", DefaultConfig(), func(t *labtest.T, cfg *config) {
		ns := cfg.ring(10)
		cfg.waitFingers(30 * time.Second)
		for _, n := range ns {
			for v := range uint64(256) {
				want := successorOf(ns, id(v, 8)).Self()
				var reply FindReply
				if err := n.RPC().FindSuccessor(&RemoteQuery{Id: n.Self().Id, Query: id(v, 8)}, &reply); err != nil {
					t.Fatalf("FindSuccessor(%d) at %v: %v", v, n.Self(), err)
				}
				if !same(reply.Node, want) {
					t.Fatalf("FindSuccessor(%d) at %v = %v, want %v", v, n.Self(), reply.Node, want)
				}
				cfg.net.Op()
			}
		}
	})
}

func TestClosestPrecedingFingerB(t *testing.T) {
	run(t, "Test (B): ClosestPrecedingFinger answers the closest finger before the point", DefaultConfig(), func(t *labtest.T, cfg *config) {
		ns := cfg.ring(12)
		cfg.waitFingers(30 * time.Second)
		for _, n := range ns {
			self := n.Self()
			for v := range uint64(256) {
				q := id(v, 8)
				want := self // the paper's answer when no finger lies in (n, q)
				for i := 7; i >= 0; i-- {
					f := successorOf(ns, FingerStart(self.Id, i, 8)).Self()
					if Between(f.Id, self.Id, q) {
						want = f
						break
					}
				}
				var reply IdReply
				if err := n.RPC().ClosestPrecedingFinger(&RemoteQuery{Id: self.Id, Query: q}, &reply); err != nil {
					t.Fatalf("ClosestPrecedingFinger(%d) at %v: %v", v, self, err)
				}
				if got := (RemoteNode{Id: reply.Id, Addr: reply.Addr}); !reply.Valid || !same(got, want) {
					t.Fatalf("ClosestPrecedingFinger(%d) at %v = %v (valid %v), want %v", v, self, got, reply.Valid, want)
				}
			}
		}
	})
}

func TestPutGetC(t *testing.T) {
	run(t, "Test (C): Put and Get through any node", DefaultConfig(), func(t *labtest.T, cfg *config) {
		ns := cfg.ring(8)
		kv := map[string]string{}
		for k := range 60 {
			key, value := fmt.Sprintf("k%d", k), fmt.Sprintf("v%d-%d", k, t.Rand.IntN(1000))
			cfg.put(ns[t.Rand.IntN(len(ns))], key, value)
			kv[key] = value
		}
		for _, k := range sortedKeys(kv) {
			for _, n := range ns {
				cfg.check(n, k, kv[k])
			}
		}
		cfg.checkOwners(kv)
		if _, err := Get(ns[0], "never-put"); err == nil {
			t.Fatalf("Get of a key never put succeeded")
		}
	})
}

func TestOverwriteC(t *testing.T) {
	run(t, "Test (C): the last Put of a key wins, through any node", DefaultConfig(), func(t *labtest.T, cfg *config) {
		ns := cfg.ring(6)
		kv := map[string]string{}
		for round := range 5 {
			for k := range 10 {
				key, value := fmt.Sprintf("k%d", k), fmt.Sprintf("r%d", round)
				cfg.put(ns[(round+k)%len(ns)], key, value)
				kv[key] = value
			}
			cfg.checkAll(kv)
		}
		cfg.checkOwners(kv)
	})
}

func TestTransferOnJoinC(t *testing.T) {
	run(t, "Test (C): joining nodes take over their keys; none lost", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(3)
		kv := cfg.putKeys(80)
		for range 10 {
			cfg.join(cfg.random())
			cfg.waitRing(20 * time.Second)
			cfg.checkOwners(kv)
			cfg.checkSingleOwners(kv)
		}
		cfg.checkAll(kv)
	})
}

func TestTransferOnLeaveC(t *testing.T) {
	run(t, "Test (C): leaving nodes hand their keys over; none lost", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(12)
		kv := cfg.putKeys(80)
		for range 9 {
			cfg.leave(cfg.random())
			cfg.waitRing(20 * time.Second)
			cfg.checkOwners(kv)
			cfg.checkSingleOwners(kv)
			cfg.checkAll(kv)
		}
	})
}

func TestPutDuringJoinsC(t *testing.T) {
	run(t, "Test (C): Puts and Gets while nodes join and leave", DefaultConfig(), func(t *labtest.T, cfg *config) {
		cfg.ring(5)
		kv := map[string]string{}
		for k := range 60 {
			key := fmt.Sprintf("k%d", k%20)
			kv[key] = fmt.Sprintf("v%d", k)
			cfg.put(cfg.random(), key, kv[key])
			switch {
			case k%6 == 0:
				cfg.join(cfg.random())
			case k%6 == 3 && len(cfg.nodes()) > 4:
				// A leaving node tells only the predecessor it knows; the
				// ring re-forms before the next leave, so leaves never
				// take a whole successor list of a node that joined
				// meanwhile.
				cfg.leave(cfg.random())
				cfg.waitRing(30 * time.Second)
			}
			cfg.check(cfg.random(), key, kv[key])
		}
		cfg.waitRing(30 * time.Second)
		cfg.checkAll(kv)
		cfg.checkOwners(kv)
		cfg.checkSingleOwners(kv)
	})
}
