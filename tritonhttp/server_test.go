package tritonhttp

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"distlabs/test/labtest"
)

// basicSite is the docroot most end-to-end tests serve as host "site".
var basicSite = map[string]string{
	"index.html":     "<html>home</html>\n",
	"a.txt":          "alpha\n",
	"b.txt":          "bravo bravo\n",
	"style.css":      "body { color: red }\n",
	"sub/index.html": "<html>sub</html>\n",
	"sub/page.json":  `{"k": "v"}`,
	"noext":          "no extension here",
	"data.zzunknown": "\x00\x01\x02",
	"empty.txt":      "",
}

func basicHosts() map[string]map[string]string {
	return map[string]map[string]string{"site": basicSite}
}

// Spec "Protocol": a GET for an existing file is a 200 with the file's bytes,
// Content-Type by extension (octet-stream fallback), Content-Length,
// Last-Modified and Date, headers sorted by key.
func TestGetFile(t *testing.T) {
	onClient(t, "Test: GET serves files with the right headers", func(t *labtest.T, s *site, c *client) {
		for _, name := range []string{"a.txt", "b.txt", "style.css", "sub/page.json", "noext", "data.zzunknown", "empty.txt"} {
			c.get("site", "/"+name)
			r := c.expectFile(filepath.Join(s.roots["site"], name), basicSite[name])
			if _, ok := r.header["Connection"]; ok {
				t.Errorf("200 for a keep-alive request carries Connection: %q", r.header["Connection"])
			}
		}
		t.Passed(1, 7, 0, 0)
	})
}

// Spec "Path": a URL ending in "/" means index.html in that directory; a
// directory without the trailing slash is 404 or its index.html (the spec
// leaves the choice); missing files are 404 with no body and the connection
// stays open.
func TestIndexAndNotFound(t *testing.T) {
	onClient(t, "Test: index.html, directories and 404", func(t *labtest.T, s *site, c *client) {

		c.get("site", "/")
		c.expectSite("index.html")
		c.get("site", "/sub/")
		c.expectSite("sub/index.html")
		// The spec lets a directory without the slash be 404 or its
		// index.html; either is accepted (the reference answers 404).
		c.get("site", "/sub")
		if r := c.read(); r.status != StatusNotFound && (r.status != StatusOK || string(r.body) != basicSite["sub/index.html"]) {
			t.Errorf("GET /sub: %d %q, want 404 or sub/index.html", r.status, r.body)
		}
		for _, url := range []string{"/missing.txt", "/sub/missing/", "/a.txt/", "/nodir/x.txt"} {
			c.get("site", url)
			r := c.expectStatus(StatusNotFound)
			if len(r.body) != 0 {
				t.Errorf("404 for %s has a body %q", url, r.body)
			}
			if _, ok := r.header["Content-Type"]; ok {
				t.Errorf("404 for %s has a Content-Type", url)
			}
			checkDate(t, r)
			checkSorted(t, r)
		}
		// Still open and in order after the 404s.
		c.get("site", "/a.txt")
		c.expectSite("a.txt")
		t.Passed(1, 8, 0, 0)
	})
}

// Spec "Persistent connections and pipelining": requests sent back to back
// are answered in order; "Close ... after any 400": a bad request in the
// pipeline gets its 400, and nothing after it is answered.
func TestPipelined(t *testing.T) {
	onClient(t, "Test: pipelined OK, OK, 400, (ignored OK)", func(t *labtest.T, s *site, c *client) {
		c.send(getRequest("site", "/a.txt") + getRequest("site", "/missing") + getRequest("site", "/b.txt") +
			"GET /a.txt HTTP/1.0\r\nHost: site\r\n\r\n" + getRequest("site", "/a.txt"))
		c.expectSite("a.txt")
		c.expectStatus(StatusNotFound)
		c.expectSite("b.txt")
		c.expectBadRequest()

		// Many small pipelined requests arrive as one stream and come back
		// in order.
		c2 := s.dial()
		defer c2.close()
		var batch strings.Builder
		names := []string{"a.txt", "b.txt", "style.css", "index.html", "noext"}
		for i := range 50 {
			batch.WriteString(getRequest("site", "/"+names[i%len(names)]))
		}
		c2.send(batch.String())
		for i := range 50 {
			name := names[i%len(names)]
			c2.expectSite(name)
		}
		t.Passed(1, 55, 0, 0)
	})
}

// Spec "Timeout": with part of a request read when the 5 s timer fires, the
// server answers 400 and closes — at 5 s, not earlier.
func TestPartialRequestTimeout(t *testing.T) {
	onSite(t, "Test: partial request times out with 400 after 5 s", basicHosts(), func(t *labtest.T, s *site) {
		for _, partial := range []string{"G", "GET /a.txt HTTP/1.1\r\nHost: site\r\n", "GET /a.txt HTTP/1.1\r\nHost: site\r\n\r"} {
			c := s.dial()
			start := time.Now()
			c.send(partial)
			c.expectNothingFor(4900 * time.Millisecond)
			r := c.expectStatus(StatusBadRequest)
			if el := r.at.Sub(start); el < DefaultTimeout || el > DefaultTimeout+100*time.Millisecond {
				t.Errorf("partial request %q answered after %v, want %v", partial, el, DefaultTimeout)
			}
			c.expectClosing(r)
			c.close()
		}

		// Trickling bytes does not extend the timeout: it runs from the
		// start of the request.
		c := s.dial()
		defer c.close()
		start := time.Now()
		for _, b := range []byte("GET /a.txt HTTP/1.1\r") { // 20 bytes over 4 s
			c.send(string(b))
			time.Sleep(200 * time.Millisecond)
		}
		r := c.expectStatus(StatusBadRequest)
		if el := r.at.Sub(start); el < DefaultTimeout || el > DefaultTimeout+250*time.Millisecond {
			t.Errorf("trickled request answered after %v, want %v", el, DefaultTimeout)
		}
		c.expectClosed()
		t.Passed(1, 4, 0, 0)
	})
}

// Spec "Timeout": with nothing of a new request read, the connection closes
// silently after 5 s; the timer restarts with each request, so a client that
// sends a request every 4 s keeps its connection.
func TestIdleTimeout(t *testing.T) {
	onSite(t, "Test: idle connection closes silently after 5 s", basicHosts(), func(t *labtest.T, s *site) {

		c := s.dial()
		start := time.Now()
		c.expectNothingFor(4900 * time.Millisecond)
		if el := c.expectClosed().Sub(start); el < DefaultTimeout || el > DefaultTimeout+100*time.Millisecond {
			t.Errorf("idle connection closed after %v, want %v", el, DefaultTimeout)
		}
		c.close()

		c = s.dial()
		defer c.close()
		for range 4 {
			time.Sleep(4 * time.Second)
			c.get("site", "/a.txt")
			c.expectSite("a.txt")
		}
		// After the last response the timer starts again from zero.
		last := time.Now()
		c.expectNothingFor(4900 * time.Millisecond)
		if el := c.expectClosed().Sub(last); el < DefaultTimeout || el > DefaultTimeout+100*time.Millisecond {
			t.Errorf("connection closed %v after the last response, want %v", el, DefaultTimeout)
		}
		t.Passed(1, 4, 0, 0)
	})
}

// Spec "Connection: close closes the connection after the response", with
// the key matched case-insensitively; the response says so.
func TestConnectionClose(t *testing.T) {
	onSite(t, "Test: Connection: close", basicHosts(), func(t *labtest.T, s *site) {
		for _, hdr := range []string{"Connection: close", "connection: close", "CONNECTION:close"} {
			c := s.dial()
			c.send(getRequest("site", "/a.txt", hdr) + getRequest("site", "/b.txt"))
			c.expectClosing(c.expectSite("a.txt"))
			c.close()
		}
		c := s.dial()
		defer c.close()
		c.get("site", "/missing", "Connection: close")
		c.expectClosing(c.expectStatus(StatusNotFound))
		t.Passed(1, 4, 0, 0)
	})
}

// Spec "Protocol": every malformed request is a 400 that closes the
// connection — bad method, version or URL, header without colon, bad key,
// missing Host, lines not ending in CRLF.
func TestBadRequests(t *testing.T) {
	onSite(t, "Test: malformed requests get 400 and close", basicHosts(), func(t *labtest.T, s *site) {
		bad := map[string]string{
			"method POST":          "POST /a.txt HTTP/1.1\r\nHost: site\r\n\r\n",
			"method HEAD":          "HEAD /a.txt HTTP/1.1\r\nHost: site\r\n\r\n",
			"version 1.0":          "GET /a.txt HTTP/1.0\r\nHost: site\r\n\r\n",
			"version 2":            "GET /a.txt HTTP/2\r\nHost: site\r\n\r\n",
			"URL without slash":    "GET a.txt HTTP/1.1\r\nHost: site\r\n\r\n",
			"too many fields":      "GET /a.txt HTTP/1.1 extra\r\nHost: site\r\n\r\n",
			"too few fields":       "GET /a.txt\r\nHost: site\r\n\r\n",
			"header without colon": "GET /a.txt HTTP/1.1\r\nHost: site\r\nBroken header\r\n\r\n",
			"invalid key":          "GET /a.txt HTTP/1.1\r\nHost: site\r\nBad Key: v\r\n\r\n",
			"missing Host":         "GET /a.txt HTTP/1.1\r\nUser-Agent: x\r\n\r\n",
			"bare LF":              "GET /a.txt HTTP/1.1\nHost: site\n\n",
			"garbage":              "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
		}
		for name, raw := range bad {
			c := s.dial()
			c.send(raw)
			c.expectBadRequest()
			c.close()
			if t.Failed() {
				t.Fatalf("case %q: %q", name, raw)
			}
		}
		t.Passed(1, len(bad), 0, 0)
	})
}

// Spec "Header line": keys are case-insensitive (stored canonical), spaces
// after the colon are optional, unknown well-formed headers are accepted.
func TestHeaderKeysCaseInsensitive(t *testing.T) {
	onClient(t, "Test: header keys are case-insensitive", func(t *labtest.T, s *site, c *client) {
		for _, host := range []string{"host: site", "HOST:site", "hOsT:   site", "Host: site"} {
			c.send("GET /a.txt HTTP/1.1\r\nX-Custom-Thing: 1\r\n" + host + "\r\nAccept:\r\n\r\n")
			c.expectSite("a.txt")
		}
		t.Passed(1, 4, 0, 0)
	})
}

// Spec "Timeout ... Close on EOF": a client that sends its requests and then
// closes its sending side gets every response, then the server closes.
func TestCloseOnEOF(t *testing.T) {
	onClient(t, "Test: close on EOF", func(t *labtest.T, s *site, c *client) {
		c.send(getRequest("site", "/a.txt") + getRequest("site", "/b.txt"))
		cw, ok := c.c.(interface{ CloseWrite() error })
		if !ok {
			t.Fatalf("simulated connection %T has no CloseWrite", c.c)
		}
		start := time.Now()
		if err := cw.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		c.expectSite("a.txt")
		c.expectSite("b.txt")
		if el := c.expectClosed().Sub(start); el > 100*time.Millisecond {
			t.Errorf("connection closed %v after the client's EOF, want at once", el)
		}
		t.Passed(1, 2, 0, 0)
	})
}

// Spec "Persistent connections and pipelining" over a real stream: requests
// arrive cut at arbitrary byte boundaries and delayed (unreliable network),
// several per read or one split over many; the parser must not assume one
// read is one request or one line.
func TestFragmentedRequests(t *testing.T) {
	onSite(t, "Test: requests split at random byte boundaries", basicHosts(), func(t *labtest.T, s *site) {
		s.net.Reliable(false)
		names := []string{"a.txt", "b.txt", "style.css", "index.html", "noext", "missing"}
		for range 5 {
			c := s.dial()
			var stream strings.Builder
			var want []string
			for range 20 {
				name := names[t.Rand.IntN(len(names))]
				extra := []string{}
				if t.Rand.IntN(2) == 0 {
					extra = append(extra, "X-Pad: "+strings.Repeat("p", t.Rand.IntN(6000)))
				}
				stream.WriteString(getRequest("site", "/"+name, extra...))
				want = append(want, name)
			}
			raw := stream.String()
			done := make(chan struct{})
			go func() {
				defer close(done)
				for len(raw) > 0 {
					n := min(len(raw), 1+t.Rand.IntN(300))
					if _, err := c.c.Write([]byte(raw[:n])); err != nil {
						return // the reader below reports what went wrong
					}
					raw = raw[n:]
					time.Sleep(time.Duration(t.Rand.IntN(3)) * time.Millisecond)
				}
			}()
			for _, name := range want {
				if name == "missing" {
					c.expectStatus(StatusNotFound)
					continue
				}
				c.expectSite(name)
			}
			<-done
			c.close()
		}
		t.Passed(1, 100, 0, 0)
	})
}
