package tritonhttp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// lockedWriter serialises writes from connection goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Graceful shutdown: Shutdown closes idle connections at once, lets a
// response in progress complete, makes Serve return ErrServerClosed, and
// leaves no goroutine behind (the harness checks).
func TestShutdown(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: graceful shutdown")
		big := strings.Repeat("0123456789abcdef", 3<<16) // 3 MB: more than the stream buffers
		s := startSite(t, map[string]map[string]string{"site": {"big.bin": big, "a.txt": "alpha"}})
		defer s.net.Cleanup()
		defer s.srv.Close() // after a failure; Close is idempotent
		idle := s.dial()
		defer idle.close()
		busy := s.dial()
		defer busy.close()
		busy.get("site", "/big.bin")
		// Read only the status line: the server is now blocked writing.
		if _, err := busy.br.Peek(12); err != nil {
			t.Fatal(err)
		}
		idle.get("site", "/a.txt")
		idle.expectFile(filepath.Join(s.roots["site"], "a.txt"), "alpha")

		start := time.Now()
		shut := make(chan error, 1)
		go func() { shut <- s.srv.Shutdown(t.Context()) }()
		// The idle connection is closed promptly.
		if el := idle.expectClosed().Sub(start); el > time.Second {
			t.Errorf("idle connection closed %v after Shutdown", el)
		}
		// The response in progress still completes, then the connection closes.
		r := busy.expectStatus(StatusOK)
		if string(r.body) != big {
			t.Errorf("response interrupted by Shutdown: %d of %d bytes", len(r.body), len(big))
		}
		busy.expectClosed()
		if err := <-shut; err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-s.done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		// New connections are refused.
		if _, err := s.net.Dial("late", serverAddr); err == nil {
			t.Errorf("Dial after Shutdown succeeded")
		}
		t.Passed(1, 2, int64(len(big)), 0)
	})
}

// Close ends every connection at once, even one mid-response, and Serve
// returns ErrServerClosed; a second Close and Serve after Close are harmless.
func TestClose(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: Close")
		s := startSite(t, basicHosts())
		defer s.net.Cleanup()
		defer s.srv.Close() // after a failure; Close is idempotent
		c := s.dial()
		defer c.close()
		c.send("GET /a.txt HT")
		time.Sleep(time.Second)
		s.srv.Close()
		if err := <-s.done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if err := c.c.SetReadDeadline(time.Now().Add(clientTimeout)); err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(c.br); err != nil || len(b) != 0 {
			t.Errorf("after Close: read %q, %v; want a silent close", b, err)
		}
		s.srv.Close()
		l, err := s.net.Listen("server:81")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.Serve(l); !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve after Close: %v", err)
		}
		t.Passed(1, 0, 0, 0)
	})
}

// The optional access log gets one structured record per response.
func TestAccessLog(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: access log")
		root := labtest.TempFiles(t, map[string]string{"a.txt": "alpha"})
		var buf bytes.Buffer
		var mu sync.Mutex
		logger := slog.New(slog.NewJSONHandler(&lockedWriter{mu: &mu, w: &buf}, nil))
		srv, err := NewServer(Config{VirtualHosts: map[string]string{"site": root}, AccessLog: logger})
		if err != nil {
			t.Fatal(err)
		}
		s := &site{t: t, srv: srv, roots: map[string]string{"site": root}, done: make(chan error, 1)}
		s.net = newNet()
		l, err := s.net.Listen(serverAddr)
		if err != nil {
			t.Fatal(err)
		}
		go func() { s.done <- srv.Serve(l) }()
		stop := sync.OnceFunc(s.stop)
		defer stop()
		c := s.dial()
		c.send(getRequest("site", "/a.txt") + getRequest("site", "/nope") + "BAD\r\n\r\n")
		c.expectStatus(StatusOK)
		c.expectStatus(StatusNotFound)
		c.expectBadRequest()
		c.close()
		stop()
		mu.Lock()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		mu.Unlock()
		want := []string{`"status":200`, `"status":404`, `"status":400`}
		if len(lines) != len(want) {
			t.Fatalf("access log has %d lines, want %d:\n%s", len(lines), len(want), buf.String())
		}
		for i, w := range want {
			if !strings.Contains(lines[i], w) || !strings.Contains(lines[i], `"remote":`) {
				t.Errorf("access log line %d = %s, want %s", i, lines[i], w)
			}
		}
		if !strings.Contains(lines[0], `"url":"/a.txt"`) || !strings.Contains(lines[0], `"bytes":`+strconv.Itoa(len("alpha"))) {
			t.Errorf("access log line lacks url or bytes: %s", lines[0])
		}
		t.Passed(1, 3, 0, 0)
	})
}

// Shutdown gives up on a client that stops reading once its context ends:
// it force-closes the connection, returns the context's error, and still
// leaves no goroutine behind.
func TestShutdownDeadline(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: Shutdown with a stuck client")
		big := strings.Repeat("x", 4<<20) // far more than the stream buffers
		s := startSite(t, map[string]map[string]string{"site": {"big.bin": big}})
		defer s.net.Cleanup()
		defer s.srv.Close() // after a failure; Close is idempotent
		c := s.dial()
		defer c.close()
		c.get("site", "/big.bin") // and never read the response
		time.Sleep(100 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		start := time.Now()
		err := s.srv.Shutdown(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown returned %v, want a deadline error", err)
		}
		if el := time.Since(start); el != 2*time.Second {
			t.Errorf("Shutdown took %v, want the 2s of its context", el)
		}
		if err := <-s.done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		t.Passed(1, 1, 0, 0)
	})
}

// Clients that vanish (host down: connections reset) in the middle of a
// large response or of a request leave no goroutine behind, and the server
// keeps serving others. The harness's leak check verifies the first part
// after each step's connections are gone.
func TestClientsVanish(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: clients vanish mid-response and mid-request")
		big := strings.Repeat("z", 3<<20)
		s := startSite(t, map[string]map[string]string{"site": {"big.bin": big, "a.txt": "alpha"}})
		defer s.stop()
		var doomed []*client
		for range 10 {
			c := s.dial()
			doomed = append(doomed, c)
		}
		for i, c := range doomed {
			if i%2 == 0 {
				c.get("site", "/big.bin") // never read: the server blocks writing
			} else {
				c.send("GET /a.txt HTTP/1.1\r\nHo") // never finished
			}
		}
		time.Sleep(time.Second)
		for i := range doomed {
			s.net.SetHostUp("client"+strconv.Itoa(i+1), false)
		}
		time.Sleep(time.Second)
		s.srv.mu.Lock()
		open := len(s.srv.conns)
		s.srv.mu.Unlock()
		if open != 0 {
			t.Errorf("%d connection(s) still tracked after their clients vanished", open)
		}
		c := s.dial()
		defer c.close()
		c.get("site", "/a.txt")
		c.expectFile(filepath.Join(s.roots["site"], "a.txt"), "alpha")
		t.Passed(1, 11, 0, 0)
	})
}
