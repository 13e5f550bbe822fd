//solution:file B

package pbkv

// White-box checks of the reference (not graded, not in the handout).

import (
	"maps"
	"testing"

	"distlabs/test/labtest"
)

// The duplicate table travels with the state transfer: a backup that joins
// after writes knows every client's latest request, so a resend that reaches
// it once it is primary is not applied again. (Black-box, this shows only in
// a narrow window: a write applied just before the transfer whose reply was
// lost, resent only after the primary died.)
func TestTransferCarriesDuplicateTable(t *testing.T) {
	run(t, "reference: the transfer carries the duplicate table", func(t *labtest.T, cfg *config) {
		cfg.solo()
		for c := range 3 {
			cfg.appendMany(cfg.makeClerk(string(rune('a'+c))), c, "k", 5)
		}
		cfg.start("s2")
		cfg.waitView("s1", "s2", deadTime)
		cfg.settle()
		cfg.mu.Lock()
		p, b := cfg.servers["s1"], cfg.servers["s2"]
		cfg.mu.Unlock()
		p.mu.Lock()
		pseen := maps.Clone(p.seen)
		p.mu.Unlock()
		b.mu.Lock()
		bseen := maps.Clone(b.seen)
		b.mu.Unlock()
		if len(pseen) != 3 || !maps.Equal(pseen, bseen) {
			t.Fatalf("duplicate tables: primary %v, new backup %v", pseen, bseen)
		}
	})
}
