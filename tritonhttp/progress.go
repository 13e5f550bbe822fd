package tritonhttp

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// MaxPipelined is how many requests in a row the server answers without
// having had to wait for the client's next one. A client that sends requests
// ahead and reads nothing could otherwise keep the server opening files and
// queueing responses for it; past the cap the server marks its response
// "Connection: close" and closes, as RFC 9112 §9.3.2 lets a server do (the
// client resends the unanswered requests on a new connection).
const MaxPipelined = 100

//solution:begin

// progressWriter writes to a connection under a progress deadline: every
// write may block for at most timeout without moving a byte. A client that
// stops reading therefore cannot hold the connection (its goroutine, its
// file descriptors) for longer than that, while a slow client that keeps
// reading is never cut off, however long the whole response takes.
type progressWriter struct {
	c       net.Conn
	timeout time.Duration
}

// Write implements io.Writer. A write that times out after moving some
// bytes made progress, so it is resumed with a fresh deadline.
func (w *progressWriter) Write(p []byte) (int, error) {
	written := 0
	for {
		_ = w.c.SetWriteDeadline(time.Now().Add(w.timeout)) // a closed conn fails the write below
		n, err := w.c.Write(p[written:])
		written += n
		if err == nil || n == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return written, err
		}
	}
}

// sendFile copies lr to the connection with the connection's own ReadFrom
// (sendfile(2) on TCP), under the same progress deadline as Write.
func (w *progressWriter) sendFile(rf io.ReaderFrom, lr *io.LimitedReader) (int64, error) {
	var total int64
	for {
		_ = w.c.SetWriteDeadline(time.Now().Add(w.timeout)) // a closed conn fails the copy below
		n, err := rf.ReadFrom(lr)
		total += n
		if err == nil || n == 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
			return total, err
		}
	}
}

//solution:end
