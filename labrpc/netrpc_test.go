package labrpc_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
)

// Legacy has handlers in the net/rpc shape of the 2015 labs (value args, an
// error result), so code ported from them keeps its handlers unchanged.
type Legacy struct{ ran atomic.Int64 }

func (l *Legacy) Double(args ProbeArgs, reply *ProbeArgs) error {
	l.ran.Add(1)
	reply.X = 2 * args.X
	return nil
}

func (l *Legacy) Refuse(args ProbeArgs, reply *ProbeArgs) error {
	l.ran.Add(1)
	reply.X = args.X
	return errors.New("refused")
}

// A net/rpc-style handler is served; one that returns an error ran, but its
// caller gets no reply (Call is false, as the 2015 call() returned), on the
// simulated network and over TCP.
func TestErrorResultHandlers(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		l := &Legacy{}
		_, e := serveOne(t, l)

		var r ProbeArgs
		require.True(t, e.Call("Legacy.Double", &ProbeArgs{X: 21}, &r))
		assert.Equal(t, 42, r.X)
		r = ProbeArgs{}
		assert.False(t, e.Call("Legacy.Refuse", ProbeArgs{X: 5}, &r))
		assert.Zero(t, r.X, "no reply is copied after an error")
		assert.EqualValues(t, 2, l.ran.Load())
	})
}

func TestTCPErrorResultHandlers(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		rs := server(&Legacy{})
		e, _ := tcpEnd(t, rs)
		var r ProbeArgs
		require.True(t, e.Call("Legacy.Double", ProbeArgs{X: 4}, &r))
		assert.Equal(t, 8, r.X)
		assert.False(t, e.Call("Legacy.Refuse", ProbeArgs{X: 5}, &r))
		require.True(t, e.Call("Legacy.Double", ProbeArgs{X: 1}, &r), "the connection survives")
	})
}
