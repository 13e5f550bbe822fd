package tritonhttp

import (
	"errors"
	"testing"

	"distlabs/test/labtest"
)

// TestHeaderValueWhitespace checks that header values lose the optional
// whitespace around them.
//
// RFC 9112 section 5.1: a field line is name ":" OWS value OWS, where OWS
// (RFC 9110 section 5.6.3) is any run of spaces and horizontal tabs; the
// value a server sees has that whitespace removed on both sides, and keeps
// whitespace inside it. A server that strips only a leading space misses
// "Host:\tsite" and "Connection: close \t", and serves the wrong host or
// keeps a connection open that the client asked to close.
func TestHeaderValueWhitespace(t *testing.T) {
	onClient(t, "Test: header values are trimmed of spaces and tabs", func(t *labtest.T, _ *site, c *client) {
		for raw, want := range map[string]string{
			"X-V: v":              "v",
			"X-V:v   ":            "v",
			"X-V:\tv":             "v",
			"X-V: \t v \t ":       "v",
			"X-V:\t\ta b\t c\t":   "a b\t c",
			"X-V:  two  spaces  ": "two  spaces",
			"X-V: \t ":            "",
		} {
			req, _, err := readHead(
				"GET / HTTP/1.1\r\nHost: h\r\n" + raw + "\r\n\r\n")
			if err != nil {
				t.Fatalf("header line %q: %v", raw, err)
			}
			if got := req.Headers["X-V"]; got != want {
				t.Fatalf("header line %q: value %q, want %q", raw, got, want)
			}
		}

		// End to end: a tab-padded Host selects its virtual host, and a
		// padded "close" closes the connection after the response.
		for _, host := range []string{"Host:\tsite", "Host: site\t", "Host: \t site \t "} {
			c.send("GET /a.txt HTTP/1.1\r\n" + host + "\r\n\r\n")
			c.expectSite("a.txt")
		}
		c.expectServedThenClosed("\tclose \t")
		t.Passed(1, 4, 0, 0)
	})
}

// TestConnectionCloseToken checks how the Connection header's "close"
// option is recognised.
//
// RFC 9110 section 7.6.1: Connection carries a comma-separated list of
// options, and option names are case-insensitive; "close" among them means
// the client wants the connection closed after this response (RFC 9112
// section 9.6). A server that compares the whole value with "close" keeps
// connections open that "Close" or "keep-alive, close" asked to end; one
// that searches for the substring closes those that sent "closed".
func TestConnectionCloseToken(t *testing.T) {
	onClient(t, "Test: the Connection close option in any case and position", func(t *labtest.T, _ *site, c *client) {
		for value, want := range map[string]bool{
			"close": true, "Close": true, "CLOSE": true, "keep-alive, close": true,
			"Close ,upgrade": true, "upgrade,\tclose": true,
			"keep-alive": false, "closed": false, "x-close": false, "": false,
		} {
			req, _, err := readHead(
				"GET / HTTP/1.1\r\nHost: h\r\nConnection: " + value + "\r\n\r\n")
			if err != nil {
				t.Fatalf("Connection: %q: %v", value, err)
			}
			if req.Close != want {
				t.Fatalf("Connection: %q: Close is %v, want %v", value, req.Close, want)
			}
		}

		// End to end: "Close" ends the connection after the response.
		c.expectServedThenClosed(" Keep-Alive, Close")
		t.Passed(1, 1, 0, 0)
	})
}

// TestRequestHeadStrict checks that only CRLF ends a line and that no
// control byte hides in a request head.
//
// Spec "Protocol": lines end in CRLF, anything else is a 400. RFC 9112
// section 2.2 lets a server accept a bare LF, but this server is strict,
// and section 5.5 forbids CR, LF and NUL inside a field value: a server
// that takes a stray CR as data can be led to disagree with a proxy in
// front of it about where a header ends (request smuggling).
func TestRequestHeadStrict(t *testing.T) {
	onClient(t, "Test: CRLF line ends and no control bytes in the head", func(t *labtest.T, _ *site, c *client) {
		for name, raw := range map[string]string{
			"bare LF after the request line": "GET / HTTP/1.1\nHost: h\r\n\r\n",
			"bare LF after a header":         "GET / HTTP/1.1\r\nHost: h\n\r\n",
			"bare LF blank line":             "GET / HTTP/1.1\r\nHost: h\r\n\n",
			"CR inside a value":              "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n",
			"NUL inside a value":             "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n",
			"control byte in the URL":        "GET /a\x01b HTTP/1.1\r\nHost: h\r\n\r\n",
		} {
			_, _, err := readHead(raw)
			if !errors.Is(err, ErrBadRequest) {
				t.Fatalf("%s (%q): error %v, want one wrapping ErrBadRequest", name, raw, err)
			}
		}

		// End to end: a bare-LF request gets a 400 and the connection ends.
		c.send("GET /a.txt HTTP/1.1\nHost: site\n\n")
		c.expectBadRequest()
		t.Passed(1, 1, 0, 0)
	})
}

// expectServedThenClosed is the end-to-end half of the header tests: it
// sends a GET of a.txt whose Connection header has the value connection,
// written as is after the colon, and checks that the server answers it
// and then closes the connection.
func (c *client) expectServedThenClosed(connection string) {
	c.t.Helper()
	c.send("GET /a.txt HTTP/1.1\r\nHost: site\r\nConnection:" + connection + "\r\n\r\n")
	c.expectSite("a.txt")
	c.expectClosed()
}
