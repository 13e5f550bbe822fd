package uuid

import (
	"regexp"
	"testing"
)

// New gives version-4 UUIDs in the usual form, and a seed replays them.
func TestNewIsSeededV4(t *testing.T) {
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	Seed(7)
	a, b := New(), New()
	if a == b {
		t.Fatalf("two UUIDs are equal: %s", a)
	}
	for _, u := range []UUID{a, b} {
		if !form.MatchString(u.String()) {
			t.Fatalf("%s is not a version-4 UUID", u)
		}
	}
	Seed(7)
	if again := New(); again != a {
		t.Fatalf("seed 7 gave %s, then %s", a, again)
	}
}
