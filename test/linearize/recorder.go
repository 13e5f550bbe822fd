package linearize

import (
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Recorder collects the operations of concurrent clients.
//
// Timestamps come from time.Now() (virtual time inside a synctest bubble),
// made strictly increasing in the order the Recorder hands them out. Inside
// a bubble many events share one virtual instant; the tie-break keeps the
// real order of "A returned, then B was called", so the check does not treat
// such operations as concurrent and miss a stale read.
type Recorder struct {
	mu   sync.Mutex
	last int64
	ops  []porcupine.Operation
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{} }

// stamp returns the next timestamp; the caller holds r.mu.
func (r *Recorder) stamp() int64 {
	now := time.Now().UnixNano()
	if now <= r.last {
		now = r.last + 1
	}
	r.last = now
	return now
}

// Pending is an operation that has been called and has not returned yet.
type Pending struct {
	r      *Recorder
	client int
	in     any
	call   int64
	once   sync.Once
}

// Start records the invocation of an operation by client (a small
// zero-based number: porcupine's visualisation draws one row per client).
// Call it just before sending the request.
func (r *Recorder) Start(client int, in Input) *Pending { return r.StartOp(client, in) }

// StartOp is Start for another model than the KV model: in is that
// model's input (checked with CheckModel).
func (r *Recorder) StartOp(client int, in any) *Pending {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &Pending{r: r, client: client, in: in, call: r.stamp()}
}

// End records the response: value is what a Get returned ("" for Put and
// Append). Call it as soon as the reply arrives. An operation that never
// returns (the client gave up) must not be ended: it is left out, which is
// sound only if it had no effect, so prefer retrying until it returns. A
// second End is ignored.
func (p *Pending) End(value string) { p.EndOp(Output{Value: value}) }

// EndOp is End for an operation started with StartOp: out is the model's
// output.
func (p *Pending) EndOp(out any) {
	p.once.Do(func() {
		r := p.r
		r.mu.Lock()
		defer r.mu.Unlock()
		r.ops = append(r.ops, porcupine.Operation{
			ClientId: p.client,
			Input:    p.in,
			Call:     p.call,
			Output:   out,
			Return:   r.stamp(),
		})
	})
}

// Operations returns a copy of the completed operations.
func (r *Recorder) Operations() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]porcupine.Operation, len(r.ops))
	copy(out, r.ops)
	return out
}

// Len is the number of completed operations.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}
