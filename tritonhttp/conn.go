package tritonhttp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"os"
	"path"
	"sync"
	"syscall"
	"time"
)

//solution:begin

// connState is the per-connection working memory. It is pooled because a
// benchmark client opening many short connections would otherwise allocate
// two 4 KB buffers per connection.
type connState struct {
	pw   progressWriter
	fr   flushReader
	br   *bufio.Reader
	bw   *bufio.Writer
	p    parser
	req  Request
	lr   io.LimitedReader
	head []byte
}

var connPool = sync.Pool{New: func() any {
	st := &connState{head: make([]byte, 0, 256)}
	st.br = bufio.NewReaderSize(&st.fr, 4096)
	st.bw = bufio.NewWriterSize(nil, 4096)
	st.p.br = st.br
	return st
}}

func getConnState(c net.Conn, timeout time.Duration) *connState {
	st := connPool.Get().(*connState)
	st.pw = progressWriter{c: c, timeout: timeout}
	st.bw.Reset(&st.pw)
	st.fr = flushReader{c: c, bw: st.bw}
	st.br.Reset(&st.fr)
	return st
}

func putConnState(st *connState) {
	st.fr = flushReader{}
	st.pw = progressWriter{}
	st.br.Reset(&st.fr)
	st.bw.Reset(nil)
	st.lr = io.LimitedReader{}
	// Do not keep memory a hostile client made us grow.
	if len(st.req.Headers) > 32 {
		st.req.Headers = nil
	}
	if cap(st.p.long) > 2*MaxLineBytes {
		st.p.long = nil
	}
	connPool.Put(st)
}

// flushReader flushes the pending responses before every read that has to
// wait for the client. Responses to pipelined requests therefore leave in as
// few writes as possible, yet nothing stays buffered while the server waits:
// a client that sends half a request and then waits for the previous response
// still gets it.
type flushReader struct {
	c  net.Conn
	bw *bufio.Writer
}

// Read implements io.Reader.
func (f *flushReader) Read(p []byte) (int, error) {
	if f.bw.Buffered() > 0 {
		if err := f.bw.Flush(); err != nil {
			return 0, fmt.Errorf("flushing responses: %w", err)
		}
	}
	return f.c.Read(p)
}

//solution:end

// serveConn runs the request loop of one connection until the client closes,
// a request is bad or times out, the client asks to close, or the server stops.
func (s *Server) serveConn(c net.Conn) {
	defer s.wg.Done()
	defer s.forget(c)
	defer func() {
		_ = c.Close() // nothing useful to do if closing fails
	}()

	//solution:begin
	st := getConnState(c, s.timeout)
	defer putConnState(st)
	clk := s.track(c)
	defer func() {
		_ = st.bw.Flush() // best effort: the connection is closing either way
	}()
	pipelined := 0 // requests in a row that were waiting in our buffer
	for {
		if !s.startRequest(c, clk) {
			return
		}
		if st.br.Buffered() > 0 {
			pipelined++
		} else {
			pipelined = 0
		}
		received, err := st.p.read(&st.req)
		var start time.Time
		if s.log != nil {
			start = time.Now() // only the access log needs it
		}
		if err != nil {
			if s.stopping.Load() {
				return // woken by Shutdown: close without answering
			}
			// A malformed request, or a partial one cut by the timeout or by
			// EOF, is answered with 400; a connection on which nothing of a
			// new request arrived is closed silently.
			switch {
			case errors.Is(err, ErrNotImplemented):
				s.writeRefusal(st, c, StatusNotImplemented, nil, start)
			case received || errors.Is(err, ErrBadRequest):
				s.writeRefusal(st, c, StatusBadRequest, nil, start)
			}
			return
		}
		if !s.skipBody(st, c, start) {
			return
		}
		clk.since.Store(0) // the request is in: no longer evictable
		if pipelined >= MaxPipelined {
			st.req.Close = true
		}
		keep, err := s.respond(st, c, start)
		if err != nil {
			// The client went away or the file changed under us: the
			// response is broken, so the connection must close.
			if s.log != nil {
				s.log.Warn("connection closed", slog.String("remote", c.RemoteAddr().String()), slog.Any("err", err))
			}
			return
		}
		if !keep {
			return
		}
	}
	//solution:stub
	// // Your code here: read requests with ReadRequest, answer them in order,
	// // and apply the timeout rules (see the package documentation).
	//solution:end
}

//solution:begin

// writeRefusal queues a response refusing a request: 400, 413 or 501, which
// always close the connection. req is nil when the request could not be
// parsed.
func (s *Server) writeRefusal(st *connState, c net.Conn, status int, req *Request, start time.Time) {
	resp := Response{StatusCode: status, Close: true, ContentLength: -1}
	st.head = resp.appendHead(st.head[:0], s.date.get())
	_, _ = st.bw.Write(st.head) // a write error surfaces in the deferred flush, which ignores it: the conn is closing
	s.logAccess(c, req, status, 0, start)
}

// skipBody reads and discards the body the request just parsed declared
// with Content-Length, so that the next request starts right after it. The
// body shares the request's timeout: the whole request, head and body, must
// arrive within it. It returns false when the connection must close: the
// body is over MaxBodyBytes (413, without reading any of it), or it was cut
// by the timeout or EOF (a partial request: 400), or the server is
// stopping.
func (s *Server) skipBody(st *connState, c net.Conn, start time.Time) bool {
	n := st.p.framing.length
	if n == 0 {
		return true
	}
	if n > MaxBodyBytes {
		s.writeRefusal(st, c, StatusContentTooLarge, &st.req, start)
		return false
	}
	if _, err := st.br.Discard(int(n)); err != nil {
		if !s.stopping.Load() {
			s.writeRefusal(st, c, StatusBadRequest, &st.req, start)
		}
		return false
	}
	return true
}

// respond answers one parsed request. keep is false when the connection must
// close after it.
func (s *Server) respond(st *connState, c net.Conn, start time.Time) (keep bool, err error) {
	req := &st.req
	resp := Response{Close: req.Close}
	f, fi, status := s.open(req)
	if f == nil {
		resp.StatusCode = status
		st.head = resp.appendHead(st.head[:0], s.date.get())
		if _, err := st.bw.Write(st.head); err != nil {
			return false, fmt.Errorf("writing %d: %w", status, err)
		}
		s.logAccess(c, req, status, 0, start)
		return !req.Close, nil
	}
	defer func() {
		_ = f.Close() // read-only file; close errors carry no information
	}()
	resp.StatusCode = StatusOK
	resp.ContentLength = fi.Size()
	resp.ContentType = contentType(fi.Name())
	resp.LastModified = fi.ModTime()
	st.head = resp.appendHead(st.head[:0], s.date.get())
	if _, err := st.bw.Write(st.head); err != nil {
		return false, fmt.Errorf("writing response head: %w", err)
	}
	// The LimitedReader pins the body to the Content-Length already sent,
	// even if the file grows.
	st.lr = io.LimitedReader{R: f, N: fi.Size()}
	var n int64
	if rf, ok := c.(io.ReaderFrom); ok && fi.Size() > int64(st.bw.Available()) {
		// Too big to ride along with the head: send the head, then let the
		// connection pull the file itself (sendfile(2) on TCP), without
		// copying any of it through our buffer.
		if err = st.bw.Flush(); err == nil {
			n, err = st.pw.sendFile(rf, &st.lr)
		}
	} else {
		// Small file (or a stream without ReadFrom): copy it behind the head
		// so head and body leave in one write.
		n, err = st.bw.ReadFrom(&st.lr)
	}
	st.lr.R = nil
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s shrank to %d bytes while being sent", fi.Name(), n)
	}
	if err != nil {
		return false, fmt.Errorf("sending body: %w", err)
	}
	s.logAccess(c, req, StatusOK, n, start)
	return !req.Close, nil
}

// open returns the regular file a request names inside its virtual host's
// docroot. Without a file it returns the status to answer: 404 when there is
// none (unknown host, missing file, directory, or a path or symbolic link
// leading outside the docroot), 500 when the file is there but cannot be
// opened (permissions, a socket, no file descriptors left): telling such a
// client "not found" would be a lie it might cache.
func (s *Server) open(req *Request) (*os.File, os.FileInfo, int) {
	root := s.root(req.Host)
	if root == nil {
		return nil, nil, StatusNotFound
	}
	name, ok := resolveName(req.URL)
	if !ok {
		return nil, nil, StatusNotFound
	}
	// os.Root refuses, at open time and without races, any name or symbolic
	// link that resolves outside the docroot. O_NONBLOCK keeps a FIFO in the
	// docroot from blocking the open forever (it is then refused as not
	// regular), and spares the fcntl calls os makes to probe a regular file
	// for the poller; reads of regular files ignore the flag.
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, openFailure(err)
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		_ = f.Close() // not served; nothing to report
		if err != nil {
			return nil, nil, StatusInternalServerError
		}
		return nil, nil, StatusNotFound
	}
	return f, fi, StatusOK
}

// openFailure maps an error of opening a docroot file to its status: errors
// that mean "no such file here" (or a name os.Root refused as leading out)
// are 404; errors that mean the file exists but the server cannot open it
// are 500.
func openFailure(err error) int {
	switch {
	case errors.Is(err, fs.ErrPermission),
		errors.Is(err, syscall.ENXIO), // a socket or a device without a driver
		errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE),
		errors.Is(err, syscall.ENOMEM), errors.Is(err, syscall.EIO):
		return StatusInternalServerError
	}
	return StatusNotFound
}

// contentType maps a file name's extension to a MIME type with the standard
// library's table, falling back to application/octet-stream.
func contentType(name string) string {
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// logAccess writes one access-log record when logging is enabled. req is nil
// for a request that could not be parsed.
func (s *Server) logAccess(c net.Conn, req *Request, status int, bytes int64, start time.Time) {
	if s.log == nil {
		return
	}
	var host, url string
	if req != nil {
		host, url = req.Host, req.URL
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("remote", c.RemoteAddr().String()),
		slog.String("host", host),
		slog.String("url", url),
		slog.Int("status", status),
		slog.Int64("bytes", bytes),
		slog.Duration("dur", time.Since(start)),
	)
}

//solution:end
