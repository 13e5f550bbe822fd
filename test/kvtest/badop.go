package kvtest

import (
	"time"

	"distlabs/test/labtest"
)

// badOp is the op CheckBadOp sends: neither "Put" nor "Append".
const badOp = "Frob"

// CheckBadOp checks the rule for a PutAppend whose op is neither "Put" nor
// "Append", which is bad client input: raw, the PutAppend RPC sent with
// op to one server on a reliable network, must be delivered and answered
// with want (the lab's ErrBadOp, an error a Clerk does not retry, where a
// retryable one would make it retry forever), and clerk, a Clerk's
// PutAppend with op, must return within 10 s of virtual time.
func CheckBadOp[E ~string](t *labtest.T, want E, raw func(op string) (E, bool), clerk func(op string)) {
	t.Helper()
	got, ok := raw(badOp)
	if !ok {
		t.Fatalf("PutAppend with op %q: the RPC failed on a reliable network", badOp)
	}
	if got != want {
		t.Fatalf("PutAppend with op %q answered %q, want %q", badOp, got, want)
	}
	if !Returns(t, 10*time.Second, func() { clerk(badOp) }) {
		t.Fatalf("Clerk.PutAppend with op %q still retrying after 10 s; a bad op must not be retried", badOp)
	}
}
