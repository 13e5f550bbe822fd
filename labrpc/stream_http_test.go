package labrpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"distlabs/labrpc"
)

// net/http's client and server work over the simulated streams on an
// unreliable network: keep-alive, timeouts and Shutdown, with nothing leaked.
func TestRegressionHTTPOverStreams(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, rn *labrpc.Network) {
		rn.Reliable(false)
		l, _ := rn.Listen("web:80")
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Write([]byte(strings.ToUpper(string(b))))
		}), ReadTimeout: 2 * time.Second, IdleTimeout: 5 * time.Second}
		go srv.Serve(l)
		tr := &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			return rn.DialContext(ctx, "client", addr)
		}}
		cl := &http.Client{Transport: tr, Timeout: 3 * time.Second}
		for i := 0; i < 5; i++ {
			resp, err := cl.Post("http://web:80/", "text/plain", strings.NewReader("hello"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "HELLO" {
				t.Fatalf("got %q", b)
			}
		}
		// partition: client timeout must fire
		rn.Partition([]string{"client"}, []string{"web"})
		_, err := cl.Get("http://web:80/")
		t.Logf("during partition: %v", err)
		rn.Heal()
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

// Semantics a TCP user may notice.
// Edge cases where a stream must behave as a TCP socket does: reads of data
// buffered before the peer closed, zero-length reads and writes, deadlines
// moved while blocked.
func TestRegressionStreamEdgeSemantics(t *testing.T) {
	inBubble(t, 3, func(t *testing.T, rn *labrpc.Network) {
		l, _ := rn.Listen("srv:1")
		c, _ := rn.Dial("cli", "srv:1")
		s, _ := l.Accept()
		c.Write([]byte("abc"))
		c.Close()
		buf := make([]byte, 10)
		n, err := s.Read(buf)
		t.Logf("read after peer close with data buffered: %d %q %v", n, buf[:n], err)
		n, err = s.Read(buf)
		t.Logf("next read: %d %v", n, err)
		_, err = s.Write([]byte("x"))
		t.Logf("first write after peer Close: %v (EPIPE=%v; TCP: first write usually succeeds)", err, errors.Is(err, syscall.EPIPE))
		t.Logf("SetReadDeadline on closed conn: %v (TCP: use of closed network connection)", c.SetReadDeadline(time.Now()))

		c2, _ := rn.Dial("cli", "srv:1")
		s2, _ := l.Accept()
		c2.(interface{ CloseWrite() error }).CloseWrite()
		_, err = c2.Write([]byte("x"))
		t.Logf("write after own CloseWrite: %v (TCP: EPIPE; errors.Is EPIPE=%v)", err, errors.Is(err, syscall.EPIPE))
		s2.Close()
		// Read deadline in the past while data is ready.
		c3, _ := rn.Dial("cli", "srv:1")
		s3, _ := l.Accept()
		c3.Write([]byte("z"))
		s3.SetReadDeadline(time.Now().Add(-time.Second))
		_, err = s3.Read(buf)
		var ne net.Error
		t.Logf("expired deadline + ready data: %v timeout=%v", err, errors.As(err, &ne) && ne.Timeout())
		s3.SetReadDeadline(time.Time{})
		// Read blocked, deadline set from another goroutine
		done := make(chan error)
		go func() { _, err := c3.Read(buf); done <- err }()
		time.Sleep(time.Second)
		c3.SetReadDeadline(time.Now().Add(time.Second))
		start := time.Now()
		err = <-done
		t.Logf("deadline set while blocked: %v after %v", err, time.Since(start))
	})
}
