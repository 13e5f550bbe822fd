package labrpc_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// echoServer answers each line with the same line until the client closes.
func echoServer(t *labtest.T, l net.Listener) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := io.WriteString(c, line); err != nil {
						return
					}
				}
			}()
		}
	}()
	return done
}

func TestStreamEcho(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		l, err := rn.Listen("echo:7")
		require.NoError(t, err)
		defer l.Close()
		assert.Equal(t, "echo:7", l.Addr().String())
		assert.Equal(t, "labrpc", l.Addr().Network())
		done := echoServer(t, l)

		c, err := rn.Dial("client", "echo:7")
		require.NoError(t, err)
		assert.Equal(t, "echo:7", c.RemoteAddr().String())
		assert.True(t, strings.HasPrefix(c.LocalAddr().String(), "client:"))
		r := bufio.NewReader(c)
		for _, msg := range []string{"hello\n", "world\n", strings.Repeat("x", 100000) + "\n"} {
			_, err := io.WriteString(c, msg)
			require.NoError(t, err)
			got, err := r.ReadString('\n')
			require.NoError(t, err)
			assert.Equal(t, msg, got)
		}
		require.NoError(t, c.Close())
		_, err = c.Read(make([]byte, 1))
		assert.ErrorIs(t, err, net.ErrClosed)
		l.Close()
		<-done
	})
}

func TestStreamListenErrors(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		l, err := rn.Listen("h:80")
		require.NoError(t, err)
		_, err = rn.Listen("h:80")
		assert.ErrorIs(t, err, syscall.EADDRINUSE)
		_, err = rn.Listen("h:notaport")
		assert.Error(t, err)
		l0, err := rn.Listen("h:0")
		require.NoError(t, err)
		assert.NotEqual(t, "h:0", l0.Addr().String(), "port 0 picks a port")
		_, err = rn.Dial("c", "h:81")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		l.Close()
		_, err = rn.Dial("c", "h:80")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED, "a closed listener refuses")
		l0.Close()
	})
}

// Read deadlines fire in virtual time, and the error is a timeout.
func TestStreamDeadlines(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		_, c, sc := streamPair(t, newNet(t))

		start := time.Now()
		sc.SetReadDeadline(start.Add(5 * time.Second))
		_, err := sc.Read(make([]byte, 10))
		require.Error(t, err)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		var ne net.Error
		require.True(t, errors.As(err, &ne))
		assert.True(t, ne.Timeout())
		assert.Equal(t, 5*time.Second, time.Since(start))

		// Data that arrives before the deadline is read; moving the deadline
		// wakes a blocked reader.
		sc.SetReadDeadline(time.Time{})
		go func() {
			time.Sleep(time.Second)
			c.Write([]byte("late"))
		}()
		buf := make([]byte, 10)
		n, err := sc.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "late", string(buf[:n]))

		go func() {
			time.Sleep(time.Second)
			sc.SetReadDeadline(time.Now()) // wake the reader now
		}()
		start = time.Now()
		_, err = sc.Read(buf)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		assert.Equal(t, time.Second, time.Since(start))

		// A write deadline in the past fails at once.
		c.SetWriteDeadline(time.Now().Add(-time.Second))
		_, err = c.Write([]byte("x"))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	})
}

// Closing one side gives the other EOF after the data already sent; its
// writes then fail. CloseWrite is a half-close.
func TestStreamCloseAndHalfClose(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, c, sc := streamPair(t, newNet(t))

		c.Write([]byte("request"))
		require.NoError(t, c.(interface{ CloseWrite() error }).CloseWrite())
		got, err := io.ReadAll(sc)
		require.NoError(t, err)
		assert.Equal(t, "request", string(got))
		_, err = sc.Write([]byte("response"))
		require.NoError(t, err, "half-closed: the other direction still works")
		sc.Close()
		got, err = io.ReadAll(c)
		require.NoError(t, err)
		assert.Equal(t, "response", string(got))
		_, err = c.Write([]byte("more"))
		assert.Error(t, err)
		c.Close()
	})
}

// A partition stalls delivery until it heals; then the data arrives intact.
func TestStreamPartition(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn := newNet(t)
		_, c, sc := streamPair(t, rn)

		rn.Partition([]string{"c"}, []string{"s"})
		_, err := c.Write([]byte("across"))
		require.NoError(t, err, "writes buffer during a partition")
		sc.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err = sc.Read(make([]byte, 10))
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing crosses a partition")

		sc.SetReadDeadline(time.Time{})
		go func() {
			time.Sleep(2 * time.Second)
			rn.Heal()
		}()
		start := time.Now()
		buf := make([]byte, 10)
		n, err := sc.Read(buf)
		require.NoError(t, err)
		assert.Equal(t, "across", string(buf[:n]))
		assert.Equal(t, 2*time.Second, time.Since(start), "delivered when the partition heals")

		// Dial across a partition waits for the context.
		rn.Partition([]string{"c"}, []string{"s"})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = rn.DialContext(ctx, "c", "s:1")
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
		rn.Heal()
	})
}

// Taking a host down resets its connections (both sides' reads and writes
// fail) and closes its listeners.
func TestStreamHostDown(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := newNet(t)
		l, c, sc := streamPair(t, rn)

		readErr := make(chan error)
		go func() {
			_, err := c.Read(make([]byte, 10))
			readErr <- err
		}()
		time.Sleep(time.Second)
		rn.SetHostUp("s", false)
		assert.ErrorIs(t, <-readErr, syscall.ECONNRESET)
		_, err := sc.Write([]byte("x"))
		assert.ErrorIs(t, err, syscall.ECONNRESET)
		_, err = l.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
		_, err = rn.Dial("c", "s:1")
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
		_, err = rn.Listen("s:1")
		assert.Error(t, err, "a down host cannot listen")

		rn.SetHostUp("s", true)
		l2, err := rn.Listen("s:1")
		require.NoError(t, err)
		defer l2.Close()
		c2, err := rn.Dial("c", "s:1")
		require.NoError(t, err)
		c2.Close()
	})
}

// With an unreliable network each write is delayed, but order is kept.
func TestStreamUnreliableKeepsOrder(t *testing.T) {
	runVirtual(t, func(t *labtest.T) {
		rn := newNet(t)
		rn.Reliable(false)
		_, c, sc := streamPair(t, rn)
		var want strings.Builder
		go func() {
			for i := 0; i < 500; i++ {
				c.Write([]byte{byte('a' + i%26)})
			}
			c.Close()
		}()
		for i := 0; i < 500; i++ {
			want.WriteByte(byte('a' + i%26))
		}
		start := time.Now()
		got, err := io.ReadAll(sc)
		require.NoError(t, err)
		assert.Equal(t, want.String(), string(got))
		assert.Greater(t, time.Since(start), time.Duration(0), "unreliable writes take time")
	})
}

// A writer blocks when the peer does not read, and resumes when it does.
func TestStreamBackpressure(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		_, c, _ := streamPair(t, newNet(t))
		chunk := make([]byte, 64<<10)
		c.SetWriteDeadline(time.Now().Add(time.Second))
		total := 0
		var err error
		for total < 8<<20 {
			var n int
			n, err = c.Write(chunk)
			total += n
			if err != nil {
				break
			}
		}
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "the writer must block on a full pipe")
		assert.Less(t, total, 2<<20)
	})
}

// Cleanup resets open streams so blocked readers and Accept return.
func TestStreamCleanup(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		rn := labrpc.MakeNetwork()
		l, _ := rn.Listen("s:1")
		c, _ := rn.Dial("c", "s:1")
		errs := make(chan error, 2)
		go func() { _, err := c.Read(make([]byte, 1)); errs <- err }()
		go func() { l.Accept(); _, err := l.Accept(); errs <- err }()
		time.Sleep(time.Second)
		rn.Cleanup()
		assert.Error(t, <-errs)
		assert.Error(t, <-errs)
	})
}

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
