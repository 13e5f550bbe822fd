package tritonhttp

import (
	"bufio"
	"path/filepath"
	"strings"
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
	labtest.Run(t, func(t *labtest.T) {
		t.Begin("Test: header values are trimmed of spaces and tabs")
		for raw, want := range map[string]string{
			"X-V: v":              "v",
			"X-V:v   ":            "v",
			"X-V:\tv":             "v",
			"X-V: \t v \t ":       "v",
			"X-V:\t\ta b\t c\t":   "a b\t c",
			"X-V:  two  spaces  ": "two  spaces",
			"X-V: \t ":            "",
		} {
			req, _, err := ReadRequest(bufio.NewReader(strings.NewReader(
				"GET / HTTP/1.1\r\nHost: h\r\n" + raw + "\r\n\r\n")))
			if err != nil {
				t.Fatalf("header line %q: %v", raw, err)
			}
			if got := req.Headers["X-V"]; got != want {
				t.Fatalf("header line %q: value %q, want %q", raw, got, want)
			}
		}

		// End to end: a tab-padded Host selects its virtual host, and a
		// padded "close" closes the connection after the response.
		s := startSite(t, basicHosts())
		defer s.stop()
		root := s.roots["site"]
		c := s.dial()
		defer c.close()
		for _, host := range []string{"Host:\tsite", "Host: site\t", "Host: \t site \t "} {
			c.send("GET /a.txt HTTP/1.1\r\n" + host + "\r\n\r\n")
			c.expectFile(filepath.Join(root, "a.txt"), basicSite["a.txt"])
		}
		c.send("GET /a.txt HTTP/1.1\r\nHost: site\r\nConnection:\tclose \t\r\n\r\n")
		c.expectFile(filepath.Join(root, "a.txt"), basicSite["a.txt"])
		c.expectClosed()
		t.Passed(1, 4, 0, 0)
	})
}
