//solution:file

package tritonhttp

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// The connection cap ("Hardening, second round"): the server serves at
// most Config.MaxConns connections and makes room for a new one by closing
// the connection that has waited longest for a request. Reference-only: the
// course spec has no cap, and the handout's server has none.

// countingListener counts the connections it handed out that are still
// open, and remembers the most open at once.
type countingListener struct {
	net.Listener
	mu        sync.Mutex
	open, max int
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.max = max(l.max, l.open)
	l.mu.Unlock()
	return &countedConn{Conn: c, l: l}, nil
}

// most returns the most connections open at once so far.
func (l *countingListener) most() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.max
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.open--
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// startCapSite is startSite with a connection cap, serving through a
// countingListener.
func startCapSite(t *labtest.T, hosts map[string]map[string]string, maxConns int) (*site, *countingListener) {
	t.Helper()
	var cl *countingListener
	s := startSiteConfig(t, hosts, Config{MaxConns: maxConns}, func(l net.Listener) net.Listener {
		cl = &countingListener{Listener: l}
		return cl
	})
	return s, cl
}

// At the cap, a new client is served at once: the connection that has
// waited longest for a request is closed to make room, silently if nothing
// of a request arrived, with 400 if part did (as its timeout would have
// done). Connections that waited less, and the new one, stay open.
func TestConnectionCapEvictsLongestWaiting(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: at the cap, the longest-waiting connection makes room")
		const maxConns = 4
		s, cl := startCapSite(t, basicHosts(), maxConns)
		defer s.stop()
		a := filepath.Join(s.roots["site"], "a.txt")

		// Four silent connections, opened 1 s apart; the second then sends
		// half a request.
		held := make([]*client, maxConns)
		for i := range held {
			held[i] = s.dial()
			defer held[i].close()
			time.Sleep(time.Second)
		}
		held[1].send("GET /a.txt HTTP/1.1\r\n")

		// A fifth client is served at once; the oldest (silent) connection
		// was closed for it, the others are untouched.
		start := time.Now()
		c := s.dial()
		defer c.close()
		c.get("site", "/a.txt")
		if r := c.expectFile(a, basicSite["a.txt"]); r.at.Sub(start) > 100*time.Millisecond {
			t.Errorf("fifth client served after %v at the cap, want at once", r.at.Sub(start))
		}
		if el := held[0].expectClosed().Sub(start); el > 100*time.Millisecond {
			t.Errorf("longest-waiting connection closed %v after the new one came, want at once", el)
		}
		for _, h := range held[2:] {
			h.expectNothingFor(200 * time.Millisecond)
		}

		// The next newcomer displaces the next longest-waiting: the one
		// with half a request, which gets the timeout's 400. The
		// keep-alive client served meanwhile waited less, and stays.
		d := s.dial()
		defer d.close()
		d.get("site", "/a.txt")
		d.expectFile(a, basicSite["a.txt"])
		held[1].expectBadRequest()
		c.get("site", "/a.txt")
		c.expectFile(a, basicSite["a.txt"])

		if most := cl.most(); most > maxConns+1 {
			t.Errorf("%d connections open at once with MaxConns %d (one more may wait for room)", most, maxConns)
		}

		// A connection is only closed to make room once it has waited a
		// twentieth of the timeout (250 ms): a newcomer arriving 50 ms
		// after the others is served 200 ms later, and the second
		// newcomer, right behind it, waits for its own victim's grace.
		s2, _ := startCapSite(t, basicHosts(), 2)
		defer s2.stop()
		for range 2 {
			h := s2.dial()
			defer h.close()
		}
		time.Sleep(50 * time.Millisecond)
		start = time.Now()
		late := []*client{s2.dial(), s2.dial()}
		for _, l := range late {
			defer l.close()
			l.get("site", "/a.txt")
		}
		for i, l := range late {
			r := l.expectFile(filepath.Join(s2.roots["site"], "a.txt"), basicSite["a.txt"])
			if el := r.at.Sub(start); el != DefaultTimeout/20-50*time.Millisecond {
				t.Errorf("newcomer %d served after %v, want when the oldest connection had waited %v", i, el, DefaultTimeout/20)
			}
		}
		t.Passed(1, 6, 0, 0)
	})
}

// Connections making a response are never closed to make room: a newcomer
// waits until one ends, or until one has sent its response and waits for
// a request, and is then served at once. Shutdown ends a Serve waiting for
// room.
func TestConnectionCapWaitsForBusy(t *testing.T) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: at the cap, busy connections are not closed")
		big := randomBytes(t, 3<<20)
		s, cl := startCapSite(t, map[string]map[string]string{"site": {"big.bin": string(big), "a.txt": "alpha"}}, 1)
		defer s.stop()

		// A reads the big file slowly, 256 KiB every 200 ms (about 2.4 s),
		// then waits for the server to close the connection.
		reader := s.dial()
		defer reader.close()
		reader.get("site", "/big.bin")
		got := make(chan []byte, 1)
		go func() {
			var all []byte
			buf := make([]byte, 256<<10)
			_ = reader.c.SetReadDeadline(time.Now().Add(clientTimeout))
			for {
				time.Sleep(200 * time.Millisecond)
				n, err := io.ReadFull(reader.br, buf)
				all = append(all, buf[:n]...)
				if err != nil {
					break
				}
			}
			got <- all
		}()

		time.Sleep(500 * time.Millisecond)
		start := time.Now()
		c := s.dial()
		defer c.close()
		c.get("site", "/a.txt")
		r := c.expectFile(filepath.Join(s.roots["site"], "a.txt"), "alpha")
		all := <-got
		if i := bytes.Index(all, []byte("\r\n\r\n")); i < 0 || !bytes.Equal(all[i+4:], big) {
			t.Fatalf("the busy connection was cut or garbled: it got %d bytes for a %d-byte file", len(all), len(big))
		}
		// Served once the reader's response was sent and it began waiting
		// (about 2 s from now), not when its idle timeout closed it (5 s
		// later).
		if el := r.at.Sub(start); el < time.Second || el > 3*time.Second {
			t.Errorf("newcomer served after %v, want right after the busy response ended (~2 s)", el)
		}

		// Two stalled readers fill a cap of two; a newcomer waits for room,
		// and Close ends the wait.
		s2, _ := startCapSite(t, map[string]map[string]string{"site": {"big.bin": string(big)}}, 2)
		for range 2 {
			st := s2.dial()
			defer st.close()
			st.get("site", "/big.bin")
		}
		time.Sleep(time.Second)
		w := s2.dial()
		defer w.close()
		w.get("site", "/big.bin")
		time.Sleep(time.Second)
		start = time.Now()
		s2.stop() // Close: must not wait for the stalled readers' timeouts
		if el := time.Since(start); el > 100*time.Millisecond {
			t.Errorf("Close took %v with Serve waiting for room", el)
		}
		if most := cl.most(); most > 2 {
			t.Errorf("%d connections open at once with MaxConns 1", most)
		}
		t.Passed(1, 2, int64(len(big)), 0)
	})
}

// The default cap fits the descriptor limit: every connection may need two
// descriptors (its socket and the file it sends), after a reserve and one
// per docroot.
func TestDefaultMaxConns(t *testing.T) {
	labtest.RunRealtime(t, func(t *labtest.T) {
		for _, tc := range []struct {
			limit uint64
			roots int
			want  int
		}{
			{1024, 1, (1024 - fdReserve - 1) / 2},
			{256, 3, (256 - fdReserve - 3) / 2},
			{fdReserve + 3, 1, 1},
			{0, 1, 1},
			{1 << 62, 1, 1 << 30},
		} {
			if got := connsForFDs(tc.limit, tc.roots); got != tc.want {
				t.Errorf("connsForFDs(%d, %d) = %d, want %d", tc.limit, tc.roots, got, tc.want)
			}
		}

		// The descriptor limit lowers the default only on a listener of
		// operating system sockets: streams hold no descriptors.
		root := t.TempDir()
		labtest.WriteFiles(t, root, map[string]string{"a.txt": "alpha"})
		capOf := func(l net.Listener) int {
			srv, err := NewServer(Config{VirtualHosts: map[string]string{"site": root}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			if srv.maxConns != DefaultMaxConns {
				t.Errorf("cap %d before Serve, want DefaultMaxConns", srv.maxConns)
			}
			go func() { _ = srv.Serve(l) }()
			for {
				srv.mu.Lock()
				_, serving := srv.listeners[l]
				n := srv.maxConns
				srv.mu.Unlock()
				if serving {
					return n
				}
				time.Sleep(time.Millisecond)
			}
		}
		rn := labrpc.MakeNetwork()
		defer rn.Cleanup()
		ls, err := rn.Listen("server:80")
		if err != nil {
			t.Fatal(err)
		}
		if got := capOf(ls); got != DefaultMaxConns {
			t.Errorf("default cap on labrpc streams %d, want %d", got, DefaultMaxConns)
		}
		lt, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		want := DefaultMaxConns
		if limit, ok := fdLimit(); ok {
			want = min(want, connsForFDs(limit, 1))
		}
		if got := capOf(lt); got != want {
			t.Errorf("default cap on TCP %d, want %d", got, want)
		}
	})
}
