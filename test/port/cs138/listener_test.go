package cs138_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/test/labtest"
	"distlabs/test/port/cs138"
)

// OpenListener answers the address At reserved, and only inside At; its
// Accept waits until Close and then reports the listener closed, so the
// course's accept loop ends when the node shuts it.
func TestListenerAtTheReservedAddress(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, _, err := cs138.OpenListener()
		require.Error(t, err, "outside At")

		var l net.Listener
		require.NoError(t, cs138.At("n1-42", func() error {
			var err error
			l, _, err = cs138.OpenListener()
			return err
		}))
		assert.Equal(t, "n1-42", l.Addr().String())

		accepted := make(chan error, 1)
		go func() {
			_, err := l.Accept()
			accepted <- err
		}()
		time.Sleep(time.Second) // virtual: every goroutine has blocked by then
		select {
		case <-accepted:
			t.Fatalf("Accept returned before Close")
		default:
		}
		require.NoError(t, l.Close())
		assert.True(t, errors.Is(<-accepted, net.ErrClosed))
		assert.Error(t, l.Close(), "a second Close")

		want := errors.New("open failed")
		assert.ErrorIs(t, cs138.At("n2-1", func() error { return want }), want)
	})
}
