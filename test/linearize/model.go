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
// partitioned by key so each key is checked on its own.
package linearize

import (
	"fmt"
	"sort"
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
// missing keys read as "". Its state is the value of one key: histories are
// partitioned by key.
var KvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(Input).Key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		// Deterministic order: the visualisation lists partitions stably.
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in, out, st := input.(Input), output.(Output), state.(string)
		switch in.Op {
		case Get:
			return out.Value == st, st
		case Put:
			return true, in.Value
		case Append:
			return true, st + in.Value
		}
		return false, st
	},
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(Input), output.(Output)
		switch in.Op {
		case Get:
			return fmt.Sprintf("get('%s') -> '%s'", in.Key, short(out.Value))
		case Put:
			return fmt.Sprintf("put('%s', '%s')", in.Key, short(in.Value))
		case Append:
			return fmt.Sprintf("append('%s', '%s')", in.Key, short(in.Value))
		}
		return "<invalid>"
	},
	DescribeState: func(state interface{}) string {
		return "'" + short(state.(string)) + "'"
	},
}

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
		keys[op.Input.(Input).Key] = true
		clients[op.ClientId] = true
	}
	return strings.TrimSpace(fmt.Sprintf("%d operations by %d clients on %d keys", len(ops), len(clients), len(keys)))
}
