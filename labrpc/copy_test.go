package labrpc_test

import (
	"maps"
	"slices"
	"sync"
	"testing"

	"distlabs/test/labtest"
)

// Messages of the Scribbler service: every kind of Go value that shares
// memory when copied shallowly.
type ScribbleArgs struct {
	Keys  []string
	Vals  map[string]int
	P     *int
	Inner *ScribbleInner
}
type ScribbleInner struct{ Xs []int }
type ScribbleReply struct {
	Keys []string
	Vals map[string]int
	P    *int
}

// Scribbler is a careless service: its handlers write into their
// arguments, keep references to arguments and replies, and change what
// they kept after returning.
type Scribbler struct {
	mu    sync.Mutex
	args  *ScribbleArgs  // the last arguments, as the handler received them
	reply *ScribbleReply // the last reply, still referenced by the handler
}

func (s *Scribbler) scribble(args *ScribbleArgs, reply *ScribbleReply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.args = args
	args.Keys[0] = "handler"
	args.Vals["a"] = 99
	delete(args.Vals, "b")
	*args.P = 99
	args.Inner.Xs[0] = 99
	reply.Keys = []string{"reply"}
	reply.Vals = map[string]int{"r": 1}
	reply.P = new(int)
	*reply.P = 1
	s.reply = reply
}

// Pointer takes its arguments by pointer.
func (s *Scribbler) Pointer(args *ScribbleArgs, reply *ScribbleReply) { s.scribble(args, reply) }

// Value takes its arguments by value; their slices, map and pointers still
// lead to shared memory under a shallow copy.
func (s *Scribbler) Value(args ScribbleArgs, reply *ScribbleReply) { s.scribble(&args, reply) }

// Later changes the reply the handler kept from the previous call and
// reports the arguments it kept.
func (s *Scribbler) Later(args int, reply *ScribbleArgs) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply.Keys[0] = "later"
	s.reply.Vals["r"] = 2
	*s.reply.P = 2
	*reply = *s.args
}

func freshScribbleArgs() *ScribbleArgs {
	p := 7
	return &ScribbleArgs{
		Keys:  []string{"k0", "k1"},
		Vals:  map[string]int{"a": 1, "b": 2},
		P:     &p,
		Inner: &ScribbleInner{Xs: []int{1, 2, 3}},
	}
}

// TestArgsAreCopied checks that a call shares no memory between caller and
// handler, in either direction.
//
// Spec labrpc.md (6.824 compatibility): arguments and replies are copied
// as if sent over a wire (labgob encoding), so a handler that writes into
// a slice, map or pointer of its arguments does not change the caller's
// value, a caller that reuses its arguments does not change what the
// handler kept, and a handler that changes a reply after returning does
// not change what the caller received. A shallow copy passes calls whose
// arguments hold only strings and numbers, which is what most tests send.
func TestArgsAreCopied(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, e := serveOne(t, &Scribbler{})

		for _, method := range []string{"Scribbler.Pointer", "Scribbler.Value"} {
			for _, byPointer := range []bool{true, false} {
				args := freshScribbleArgs()
				var reply ScribbleReply
				var ok bool
				if byPointer {
					ok = e.Call(method, args, &reply)
				} else {
					ok = e.Call(method, *args, &reply)
				}
				if !ok {
					t.Fatalf("%s: call failed on a reliable network", method)
				}
				want := freshScribbleArgs()
				if !slices.Equal(args.Keys, want.Keys) || !maps.Equal(args.Vals, want.Vals) ||
					*args.P != *want.P || !slices.Equal(args.Inner.Xs, want.Inner.Xs) {
					t.Fatalf("%s (args by pointer %v): the handler's writes reached the caller: keys %v, vals %v, *p %d, xs %v",
						method, byPointer, args.Keys, args.Vals, *args.P, args.Inner.Xs)
				}

				// The caller reuses its arguments; the handler then
				// changes its reply. Neither side may see the other.
				args.Keys[1] = "caller"
				args.Vals["c"] = 3
				var kept ScribbleArgs
				if !e.Call("Scribbler.Later", 0, &kept) {
					t.Fatalf("Scribbler.Later: call failed on a reliable network")
				}
				if !slices.Equal(kept.Keys, []string{"handler", "k1"}) || kept.Vals["c"] != 0 {
					t.Fatalf("%s (args by pointer %v): the caller's later writes reached the handler's arguments: keys %v, vals %v",
						method, byPointer, kept.Keys, kept.Vals)
				}
				if reply.Keys[0] != "reply" || reply.Vals["r"] != 1 || *reply.P != 1 {
					t.Fatalf("%s: the handler's writes after returning reached the caller's reply: %v %v %d",
						method, reply.Keys, reply.Vals, *reply.P)
				}
			}
		}
	})
}
