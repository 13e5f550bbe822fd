// Package linearize checks histories of key/value operations for
// linearizability with porcupine, and writes porcupine's HTML visualisation
// to a file when a history is not linearizable.
//
// Clients record each operation through a Recorder (safe for concurrent
// use); after the test body, Check verifies the history:
//
//	rec := linearize.NewRecorder()
//	op := rec.Start(clientID, linearize.Input{Op: linearize.Get, Key: "k"})
//	v := ck.Get("k")
//	op.End(v)
//	...
//	linearize.Check(t, rec.Operations(), 10*time.Second)
//
// The model is 6.824's KV model: Get, Put and Append on string values,
// partitioned by key so each key is checked on its own. A test with a
// model of its own records with StartOp and EndOp and checks with
// CheckModel.
package linearize

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/anishathalye/porcupine"
)

// OpKind is the kind of a key/value operation.
type OpKind uint8

// The operations of the KV model.
const (
	Get OpKind = iota
	Put
	Append
)

// String names the operation as the visualisation shows it.
func (k OpKind) String() string {
	switch k {
	case Get:
		return "get"
	case Put:
		return "put"
	case Append:
		return "append"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Input is an operation's invocation.
type Input struct {
	Op    OpKind
	Key   string
	Value string // Put/Append argument; unused by Get
}

// Output is an operation's response.
type Output struct {
	Value string // what Get returned; unused by Put/Append
}

// KvModel is the sequential specification of a key/value store whose
// missing keys read as "". Histories are split by key, so the model's state
// is a single key's value.
var KvModel = porcupine.Model{
	Partition:         byKey,
	Init:              func() interface{} { return "" },
	Step:              step,
	DescribeOperation: describeOp,
	DescribeState: func(state interface{}) string {
		return strconv.Quote(short(state.(string)))
	},
}

func keyOf(op porcupine.Operation) string { return op.Input.(Input).Key }

// byKey splits a history into one sub-history per key. Keys come out in
// sorted order, so the visualisation lists them the same way every run;
// within a key, operations keep their history order.
func byKey(history []porcupine.Operation) [][]porcupine.Operation {
	ops := slices.Clone(history)
	slices.SortStableFunc(ops, func(a, b porcupine.Operation) int {
		return strings.Compare(keyOf(a), keyOf(b))
	})
	var parts [][]porcupine.Operation
	for len(ops) > 0 {
		n := 1
		for n < len(ops) && keyOf(ops[n]) == keyOf(ops[0]) {
			n++
		}
		parts = append(parts, ops[:n:n])
		ops = ops[n:]
	}
	return parts
}

// step applies one operation to a key's value: a Get is legal only if it
// returned the current value; Put and Append always are.
func step(state, input, output interface{}) (bool, interface{}) {
	cur, in := state.(string), input.(Input)
	switch in.Op {
	case Put:
		return true, in.Value
	case Append:
		return true, cur + in.Value
	case Get:
		return output.(Output).Value == cur, cur
	}
	return false, cur
}

// describeOp labels an operation in the visualisation, e.g.
// `Append "k" "v"` or `Get "k" = "v"`.
func describeOp(input, output interface{}) string {
	in := input.(Input)
	switch in.Op {
	case Get:
		return fmt.Sprintf("Get %q = %q", in.Key, short(output.(Output).Value))
	case Put, Append:
		return fmt.Sprintf("%s %q %q", opTitle[in.Op], in.Key, short(in.Value))
	}
	return fmt.Sprintf("unknown operation %v on %q", in.Op, in.Key)
}

// opTitle names the write operations in descriptions.
var opTitle = map[OpKind]string{Put: "Put", Append: "Append"}

// short keeps long values readable in the visualisation.
func short(s string) string {
	if len(s) <= 40 {
		return s
	}
	return s[:20] + "…" + s[len(s)-17:] + fmt.Sprintf(" (%d bytes)", len(s))
}

// describe is a one-line summary of a history for failure messages.
func describe(ops []porcupine.Operation) string {
	keys := map[string]bool{}
	clients := map[int]bool{}
	for _, op := range ops {
		if in, ok := op.Input.(Input); ok {
			keys[in.Key] = true
		}
		clients[op.ClientId] = true
	}
	if len(keys) == 0 { // another model's operations: no keys to count
		return fmt.Sprintf("%d operations by %d clients", len(ops), len(clients))
	}
	return strings.TrimSpace(fmt.Sprintf("%d operations by %d clients on %d keys", len(ops), len(clients), len(keys)))
}
