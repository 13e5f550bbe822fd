package tritonhttp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"mime"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"distlabs/labrpc"
	"distlabs/test/labtest"
)

// clientTimeout bounds every client read in the end-to-end tests (virtual
// time), so a broken server fails a test quickly instead of hanging it.
const clientTimeout = 30 * time.Second

// serverAddr is where the test server listens on the simulated network.
const serverAddr = "server:80"

// site is a running server on a simulated network with its docroots.
type site struct {
	t     *labtest.T
	net   *labrpc.Network
	srv   *Server
	roots map[string]string // host -> docroot
	done  chan error        // Serve's result
	nconn int
}

// onSite runs an end-to-end test against a fresh site serving hosts,
// stopped when body returns.
func onSite(t *testing.T, title string, hosts map[string]map[string]string, body func(t *labtest.T, s *site)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		s := startSite(t, hosts)
		defer s.stop()
		body(t, s)
	})
}

// onBigFile is onSite for host "site" serving big.bin, n random bytes
// (more than any buffer of the server), and a.txt ("alpha").
func onBigFile(t *testing.T, title string, n int, body func(t *labtest.T, s *site, big []byte)) {
	labtest.Run(t, func(t *labtest.T) {
		t.Begin(title)
		big := randomBytes(t, n)
		s := startSite(t, map[string]map[string]string{"site": {"big.bin": string(big), "a.txt": "alpha"}})
		defer s.stop()
		body(t, s, big)
	})
}

// onClient is onSite for basicHosts with one connection open, closed
// when body returns.
func onClient(t *testing.T, title string, body func(t *labtest.T, s *site, c *client)) {
	onSite(t, title, basicHosts(), func(t *labtest.T, s *site) {
		c := s.dial()
		defer c.close()
		body(t, s, c)
	})
}

// startSite serves hosts (host name -> files, path -> contents) on a fresh
// simulated network. The caller must defer stop.
func startSite(t *labtest.T, hosts map[string]map[string]string) *site {
	t.Helper()
	return startSiteConfig(t, hosts, Config{}, nil)
}

// startSiteConfig is startSite with cfg's settings (its VirtualHosts are
// the hosts'), serving on wrap(listener) when wrap is set.
func startSiteConfig(t *labtest.T, hosts map[string]map[string]string, cfg Config, wrap func(net.Listener) net.Listener) *site {
	t.Helper()
	s := &site{t: t, net: labrpc.MakeNetwork(), roots: map[string]string{}, done: make(chan error, 1)}
	base := t.TempDir()
	for host, files := range hosts {
		dir := filepath.Join(base, host)
		labtest.WriteFiles(t, dir, files)
		s.roots[host] = dir
	}
	cfg.VirtualHosts = s.roots
	srv, err := NewServer(cfg)
	if err != nil {
		s.net.Cleanup()
		t.Fatalf("NewServer: %v", err)
	}
	l, err := s.net.Listen(serverAddr)
	if err != nil {
		srv.Close()
		s.net.Cleanup()
		t.Fatalf("Listen: %v", err)
	}
	if wrap != nil {
		l = wrap(l)
	}
	s.srv = srv
	go func() { s.done <- srv.Serve(l) }()
	return s
}

// stop closes the server and the network and checks Serve's result.
func (s *site) stop() {
	s.srv.Close()
	if err := <-s.done; !errors.Is(err, ErrServerClosed) {
		s.t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	s.net.Cleanup()
}

// readHead parses raw as the start of a connection's stream.
func readHead(raw string) (*Request, bool, error) {
	return ReadRequest(bufio.NewReader(strings.NewReader(raw)))
}

// tcpServer is a Server on an ephemeral loopback TCP port, for the tests
// and benchmarks that need real sockets.
type tcpServer struct {
	*Server
	addr string
	done chan error
}

// serveTCP starts a server for cfg on a loopback port; the caller closes
// or shuts it down and may then wait for Serve's result.
func serveTCP(tb testing.TB, cfg Config) *tcpServer {
	tb.Helper()
	srv, err := NewServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		tb.Fatal(err)
	}
	ts := &tcpServer{Server: srv, addr: l.Addr().String(), done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(l) }()
	return ts
}

// wait returns Serve's result, once the server is closed or shut down.
func (ts *tcpServer) wait() error { return <-ts.done }

// dial opens a real TCP connection to the server within which every read
// and write must be done in d; the caller closes it.
func (ts *tcpServer) dial(tb testing.TB, d time.Duration) net.Conn {
	tb.Helper()
	conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.SetDeadline(time.Now().Add(d)); err != nil {
		_ = conn.Close() // the deadline's error is the one to report
		tb.Fatal(err)
	}
	return conn
}

// client is one test connection to the site.
type client struct {
	t    *labtest.T
	c    net.Conn
	br   *bufio.Reader
	root string // the docroot of host "site"
}

// dial opens a new client connection from a fresh client host.
func (s *site) dial() *client {
	s.t.Helper()
	s.nconn++
	c, err := s.net.Dial("client"+strconv.Itoa(s.nconn), serverAddr)
	if err != nil {
		s.t.Fatalf("Dial: %v", err)
	}
	return &client{t: s.t, c: c, br: bufio.NewReader(c), root: s.roots["site"]}
}

func (c *client) close() {
	_ = c.c.Close() // test connection; nothing to report
}

// send writes raw bytes to the server.
func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, raw); err != nil {
		c.t.Fatalf("sending a request: %v: the server closed the connection before reading it "+
			"(does Serve accept connections and read requests from them yet? server.go, conn.go)", err)
	}
}

// get sends a well-formed GET for url on host.
func (c *client) get(host, url string, extra ...string) {
	c.t.Helper()
	c.send(getRequest(host, url, extra...))
}

// getRequest builds a well-formed GET request.
func getRequest(host, url string, extra ...string) string {
	var b strings.Builder
	b.WriteString("GET " + url + " HTTP/1.1\r\nHost: " + host + "\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// response is a response as it came off the wire.
type response struct {
	statusLine string
	status     int
	keys       []string // header keys in the order sent
	header     map[string]string
	body       []byte
	at         time.Time // when the head was read
}

// read reads one response: the body by Content-Length, or until EOF when the
// server announced Connection: close without a length.
func (c *client) read() *response {
	c.t.Helper()
	r, err := c.tryRead()
	if err != nil {
		c.t.Fatalf("reading response: %v", err)
	}
	return r
}

func (c *client) tryRead() (*response, error) {
	if err := c.c.SetReadDeadline(time.Now().Add(clientTimeout)); err != nil {
		return nil, err
	}
	line, err := c.line()
	if err != nil {
		return nil, err
	}
	r := &response{statusLine: line, header: map[string]string{}, at: time.Now()}
	fields := strings.SplitN(line, " ", 3)
	if len(fields) < 3 || fields[0] != "HTTP/1.1" {
		return nil, errors.New("malformed status line " + strconv.Quote(line))
	}
	if r.status, err = strconv.Atoi(fields[1]); err != nil {
		return nil, errors.New("malformed status line " + strconv.Quote(line))
	}
	for {
		line, err := c.line()
		if err != nil {
			return nil, err
		}
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, errors.New("malformed header line " + strconv.Quote(line))
		}
		r.keys = append(r.keys, k)
		r.header[k] = v
	}
	if cl, ok := r.header["Content-Length"]; ok {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 {
			return nil, errors.New("bad Content-Length " + cl)
		}
		r.body = make([]byte, n)
		if _, err := io.ReadFull(c.br, r.body); err != nil {
			return nil, err
		}
	} else if r.header["Connection"] == "close" {
		if r.body, err = io.ReadAll(c.br); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// line reads one CRLF-terminated line.
func (c *client) line() (string, error) {
	s, err := c.br.ReadString('\n')
	if err != nil {
		return "", err
	}
	if !strings.HasSuffix(s, "\r\n") {
		return "", errors.New("line not terminated by CRLF: " + strconv.Quote(s))
	}
	return strings.TrimSuffix(s, "\r\n"), nil
}

// expectClosed checks that the server closed the connection without sending
// anything more, and returns when it noticed.
func (c *client) expectClosed() time.Time {
	c.t.Helper()
	if err := c.c.SetReadDeadline(time.Now().Add(clientTimeout)); err != nil {
		c.t.Fatal(err)
	}
	rest, err := io.ReadAll(c.br)
	if err != nil {
		c.t.Fatalf("want the server to close the connection, got %v", err)
	}
	if len(rest) > 0 {
		c.t.Fatalf("want the server to close the connection silently, got %q", rest)
	}
	return time.Now()
}

// expectNothingFor checks that no byte arrives during d.
func (c *client) expectNothingFor(d time.Duration) {
	c.t.Helper()
	if err := c.c.SetReadDeadline(time.Now().Add(d)); err != nil {
		c.t.Fatal(err)
	}
	b, err := c.br.Peek(1)
	if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("want no data and an open connection for %v, got %q, %v", d, b, err)
	}
}

// expectStatus reads a response and checks its status code and, for 400,
// that the connection closes right after.
func (c *client) expectStatus(want int) *response {
	c.t.Helper()
	r := c.read()
	if r.status != want {
		c.t.Fatalf("status %d (%q), want %d", r.status, r.statusLine, want)
	}
	return r
}

// expectClosing checks that r, the last response of the connection, says
// "Connection: close" and that the server then closes the connection
// without sending anything more; it returns when the close was noticed.
func (c *client) expectClosing(r *response) time.Time {
	c.t.Helper()
	if r.header["Connection"] != "close" {
		c.t.Errorf("%q without Connection: close; headers %v", r.statusLine, r.header)
	}
	return c.expectClosed()
}

// expectBadRequest reads a 400 and checks its headers and the close.
func (c *client) expectBadRequest() {
	c.t.Helper()
	r := c.expectStatus(StatusBadRequest)
	if len(r.body) != 0 {
		c.t.Errorf("400 with a body %q (or more data before the close)", r.body)
	}
	checkDate(c.t, r)
	if el := c.expectClosing(r).Sub(r.at); el > 100*time.Millisecond {
		c.t.Errorf("connection closed %v after the 400, want at once", el)
	}
}

// expectFile reads a 200 and checks the body and the headers a file response
// must carry.
func (c *client) expectFile(path, body string) *response {
	c.t.Helper()
	r := c.expectStatus(StatusOK)
	if !bytes.Equal(r.body, []byte(body)) {
		c.t.Fatalf("body of %s: got %d bytes %.60q, want %d bytes %.60q", path, len(r.body), r.body, len(body), body)
	}
	checkFileHeaders(c.t, r, path)
	return r
}

// expectSite reads the response for file name of basicSite, served by
// host "site".
func (c *client) expectSite(name string) *response {
	c.t.Helper()
	return c.expectFile(filepath.Join(c.root, filepath.FromSlash(name)), basicSite[name])
}

// checkFileHeaders checks Content-Length, Content-Type, Last-Modified and
// Date of a 200 for the file at path, and that headers come sorted.
func checkFileHeaders(t *labtest.T, r *response, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.header["Content-Length"]; got != strconv.FormatInt(fi.Size(), 10) {
		t.Errorf("Content-Length %q, want %d", got, fi.Size())
	}
	if got, want := r.header["Content-Type"], expectedType(path); got != want {
		t.Errorf("Content-Type of %s: %q, want %q", filepath.Base(path), got, want)
	}
	if got, want := r.header["Last-Modified"], fi.ModTime().UTC().Format(TimeFormat); got != want {
		t.Errorf("Last-Modified %q, want %q", got, want)
	}
	checkDate(t, r)
	checkSorted(t, r)
}

// checkDate checks the Date header: RFC 1123 in GMT, and the current time.
func checkDate(t *labtest.T, r *response) {
	t.Helper()
	d, err := time.Parse(TimeFormat, r.header["Date"])
	if err != nil {
		t.Errorf("Date header %q: %v", r.header["Date"], err)
		return
	}
	if diff := r.at.Sub(d); diff < 0 || diff > 2*time.Second {
		t.Errorf("Date header %q is not the time of the response (%v)", r.header["Date"], r.at.UTC())
	}
}

// checkSorted checks that header keys are in sorted order, each once.
func checkSorted(t *labtest.T, r *response) {
	t.Helper()
	for i := 1; i < len(r.keys); i++ {
		if r.keys[i-1] >= r.keys[i] {
			t.Errorf("headers not sorted by key: %v", r.keys)
			return
		}
	}
}

// expectedType is the Content-Type the spec asks for: the standard
// library's MIME table by extension, else application/octet-stream.
func expectedType(path string) string {
	if t := mime.TypeByExtension(filepath.Ext(path)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// newNet returns a fresh simulated network.
func newNet() *labrpc.Network { return labrpc.MakeNetwork() }

// randomBytes returns n bytes derived from the test's seed. It draws only
// the key from t.Rand: drawing every byte from the locked source is slow,
// above all under the race detector.
func randomBytes(t *labtest.T, n int) []byte {
	var key [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(key[8*i:], t.Rand.Uint64())
	}
	b := make([]byte, n)
	if _, err := rand.NewChaCha8(key).Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}
