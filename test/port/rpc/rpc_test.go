package rpc_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
	"distlabs/test/port/rpc"
)

// Course-shaped wire types and handlers (net/rpc's shape: value or
// pointer arguments, a pointer reply, an error result).
type Query struct {
	Id  []byte
	Key string
}

type Answer struct {
	Value string
	Valid bool
}

type node struct{ name string }

func (n *node) Lookup(q *Query, a *Answer) error {
	if q.Key == "" {
		return errors.New("empty key")
	}
	a.Value, a.Valid = fmt.Sprintf("%s:%s:%x", n.name, q.Key, q.Id), true
	return nil
}

func (n *node) ByValue(q Query, a *Answer) error {
	a.Value = n.name + "/" + q.Key
	return nil
}

// network serves the Host at each address, as the harness does, and lets
// Dial take ends to them.
func network(t *labtest.T, addrs ...string) *labrpc.Network {
	rn := labrpc.MakeNetworkSeed(t.Seed)
	t.Cleanup(rn.Cleanup)
	for _, a := range addrs {
		srv := labrpc.MakeServer()
		srv.AddService(labrpc.MakeService(&rpc.Host{}))
		rn.AddServer(a, srv)
	}
	ends := 0
	rpc.UseNetwork(func(addr string) *labrpc.ClientEnd {
		ends++
		name := fmt.Sprintf("end-%d", ends)
		e := rn.MakeEnd(name)
		rn.Connect(name, addr)
		rn.Enable(name, true)
		return e
	})
	return rn
}

// A call dialed to an address reaches the handler registered under that
// address, in either argument shape, and a handler's error reaches the
// caller as a ServerError.
func TestCallReachesTheNamedService(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		network(t, "a", "b")
		require.NoError(t, rpc.RegisterName("a", &node{name: "A"}))
		require.NoError(t, rpc.RegisterName("b", &node{name: "B"}))
		c, err := rpc.Dial("tcp", "b")
		require.NoError(t, err)

		var ans Answer
		require.NoError(t, c.Call("b.Lookup", Query{Id: []byte{1, 2}, Key: "k"}, &ans))
		assert.Equal(t, Answer{Value: "B:k:0102", Valid: true}, ans)
		require.NoError(t, c.Call("a.ByValue", &Query{Key: "x"}, &ans))
		assert.Equal(t, "A/x", ans.Value)

		err = c.Call("b.Lookup", Query{}, &ans)
		var se rpc.ServerError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "empty key", string(se))

		assert.Error(t, c.Call("c.Lookup", Query{Key: "k"}, &ans), "nobody registered c")
		assert.Error(t, c.Call("b.Missing", Query{Key: "k"}, &ans))
		assert.Error(t, c.Call("nodot", Query{Key: "k"}, &ans))
	})
}

// Registering a name again replaces the receiver (a later test reusing an
// address reaches its own node); a deleted server makes calls fail; a
// closed client refuses calls; Go delivers the call on its channel.
func TestReplaceDeleteCloseAndGo(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := network(t, "a")
		require.NoError(t, rpc.RegisterName("a", &node{name: "old"}))
		require.NoError(t, rpc.RegisterName("a", &node{name: "new"}))
		c, err := rpc.Dial("tcp", "a")
		require.NoError(t, err)

		call := <-c.Go("a.ByValue", Query{Key: "k"}, &Answer{}, nil).Done
		require.NoError(t, call.Error)
		assert.Equal(t, "new/k", call.Reply.(*Answer).Value)

		rn.DeleteServer("a")
		assert.Error(t, c.Call("a.ByValue", Query{Key: "k"}, &Answer{}), "the node is gone")

		require.NoError(t, c.Close())
		assert.ErrorIs(t, c.Call("a.ByValue", Query{Key: "k"}, &Answer{}), rpc.ErrShutdown)
		assert.ErrorIs(t, c.Close(), rpc.ErrShutdown)
	})
}
