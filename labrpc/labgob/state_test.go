package labgob

import (
	"reflect"
	"testing"
)

// freshState gives a test the process state of a fresh start: no type
// checked yet, the stale-target warning not yet given. labgob reports each
// problem once per process, which is what a student needs; a test that
// checks the reporting must not depend on whether an earlier run (-count,
// or another test) already saw its types. The previous state comes back
// when the test ends.
func freshState(t *testing.T) {
	t.Helper()
	mu.Lock()
	savedChecked, savedWarnedZ := checked, warnedZ
	checked, warnedZ = map[reflect.Type]bool{}, false
	mu.Unlock()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for k := range checked {
			savedChecked[k] = true
		}
		checked, warnedZ = savedChecked, savedWarnedZ || warnedZ
	})
}
